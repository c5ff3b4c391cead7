//! What a run's reports are made of: one plain value the driver fills once — the history, its
//! joined calls, the verdict and the settlement rows — so no reporter computes them again.

use crate::check::{Repro, Verdict};
use crate::record::{Call, History};
use crate::settle::SettlementRow;
use crate::spec::Scenario;

/// Everything a run's reports are made of, computed once by the driver.
pub struct RunReport<'a> {
    pub history: &'a History,
    /// The history's calls, invoke and completion joined.
    pub calls: &'a [Call],
    pub verdict: &'a Verdict,
    /// The settlement view of the run.
    pub rows: &'a [SettlementRow],
    /// Wall time of the run, seconds.
    pub seconds: f64,
    /// The scenarios that ran (for the failing step's op and scripted fault).
    pub scenarios: &'a [Scenario],
    /// The minimal repros made of the violations (none when not shrunk).
    pub repros: &'a [Repro],
}

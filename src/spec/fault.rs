//! Fault vocabulary shared by the file formats: what can go wrong with one PG call (a scenario
//! step's `fault`) and the rates a mock file's `[faults]` table draws faults at under load.
//! The fakes carry them out; this file only says what they mean.

use serde::Deserialize;
use std::time::Duration;

/// What goes wrong with one PG call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The PG does the work, then holds the answer past the client's timeout (the mock's
    /// `timeout_delay`).
    Timeout,
    /// A timeout held this long (`timeout = "5s"`): past any platform's own client timeout.
    TimeoutFor(Duration),
    /// The PG answers its internal-error envelope and does nothing.
    Error,
    /// The PG does the work and answers after this long.
    Slow(Duration),
    /// The connection drops before a full answer; the PG did nothing.
    Reset,
    /// The PG does the work and answers a body that cannot be read.
    Malformed,
}

impl Fault {
    /// Whether the PG carries out the call before misbehaving.
    pub fn applies_call(self) -> bool {
        !matches!(self, Fault::Error | Fault::Reset)
    }

    pub fn name(self) -> &'static str {
        match self {
            Fault::Timeout | Fault::TimeoutFor(_) => "timeout",
            Fault::Error => "error",
            Fault::Slow(_) => "slow",
            Fault::Reset => "reset",
            Fault::Malformed => "malformed",
        }
    }
}

/// Fault rates and latency for load runs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRates {
    /// Share of calls (0.0–1.0) answered with the PG's internal error.
    #[serde(default)]
    pub error_rate: f64,
    /// Share of calls (0.0–1.0) held past the client's timeout.
    #[serde(default)]
    pub timeout_rate: f64,
    /// How long a timed-out answer is held.
    #[serde(default = "default_timeout_delay", with = "crate::units::serde_duration")]
    pub timeout_delay: Duration,
    /// Every answer is delayed by a uniform draw between these.
    #[serde(default, with = "crate::units::serde_duration")]
    pub latency_min: Duration,
    #[serde(default, with = "crate::units::serde_duration")]
    pub latency_max: Duration,
}

fn default_timeout_delay() -> Duration {
    Duration::from_secs(3)
}

impl Default for FaultRates {
    fn default() -> Self {
        FaultRates {
            error_rate: 0.0,
            timeout_rate: 0.0,
            timeout_delay: default_timeout_delay(),
            latency_min: Duration::ZERO,
            latency_max: Duration::ZERO,
        }
    }
}

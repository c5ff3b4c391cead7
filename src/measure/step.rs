//! What one load step measured — arrivals scheduled, started on time, completed, the latency
//! book, the SLO terms broken, the invariants checked per order — and the one rule for a rate
//! that held, used by the capacity search and by the reports.

use super::latency::LatencyBook;
use super::process::ProcessCost;
use super::timeline::TimelinePoint;
use crate::check::Tally;

/// The share of orders that must start on time for a rate to count as kept.
pub const KEPT_SHARE: f64 = 0.99;

/// One step of load at one rate.
#[derive(Debug, Clone)]
pub struct StepFigures {
    /// 1-based; a capacity search has several.
    pub index: u32,
    pub scheduled_per_min: f64,
    pub achieved_per_min: f64,
    pub scheduled: u64,
    pub started: u64,
    pub completed: u64,
    /// Orders that started more than [`super::ON_TIME`] after their scheduled start.
    pub late: u64,
    /// What the checks found over every finished order: per invariant id (and `expectation`)
    /// facts checked, violated and not observable, and the first violations as evidence.
    pub found: Tally,
    /// Time-to-converge per PG after the orders' unknown outcomes.
    pub converged: super::ConvergenceBook,
    pub book: LatencyBook,
    pub slo_broken: Vec<String>,
    /// Goose's own verdict, when a goose `--threshold` failed.
    pub goose_failed: Option<String>,
    pub seconds: f64,
    /// A stop signal (Ctrl-C, SIGTERM) cut the step short: its figures are partial.
    pub cut_short: bool,
    /// The step second by second.
    pub timeline: Vec<TimelinePoint>,
    /// What the step cost the paydrill process (the harness, and whatever it hosts: the
    /// embedded platform and the PG fakes, unless they run elsewhere).
    pub cost: ProcessCost,
}

impl StepFigures {
    pub fn on_time_share(&self) -> f64 {
        if self.started == 0 {
            1.0
        } else {
            1.0 - self.late as f64 / self.started as f64
        }
    }

    pub fn passed(&self) -> bool {
        self.found.violations == 0 && self.slo_broken.is_empty() && self.goose_failed.is_none()
    }

    /// Whether this rate held: passed, with at least 99% of the orders started on time (an
    /// open-model rate the harness could not keep is not a rate held).
    pub fn held(&self) -> bool {
        self.passed() && self.kept_its_rate()
    }

    /// Whether at least [`KEPT_SHARE`] of the orders started on time.
    pub fn kept_its_rate(&self) -> bool {
        self.on_time_share() >= KEPT_SHARE
    }

    /// The warning a step that did not keep its rate carries, in words.
    pub fn rate_warning(&self) -> Option<String> {
        (!self.kept_its_rate()).then(|| {
            format!(
                "only {:.2}% of orders started on time: the harness or the machine did not keep the scheduled \
                 rate, so this is not a rate the target held (latency still counts from each scheduled start)",
                self.on_time_share() * 100.0
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(started: u64, late: u64) -> StepFigures {
        StepFigures {
            index: 1,
            scheduled_per_min: 600.0,
            achieved_per_min: 600.0,
            scheduled: started,
            started,
            completed: started,
            late,
            found: Tally::default(),
            converged: Default::default(),
            book: LatencyBook::default(),
            slo_broken: Vec::new(),
            goose_failed: None,
            seconds: 1.0,
            cut_short: false,
            timeline: Vec::new(),
            cost: ProcessCost::default(),
        }
    }

    #[test]
    fn a_step_that_did_not_keep_its_rate_says_so_and_did_not_hold() {
        let slow = step(100, 85);
        assert!(slow.passed() && !slow.held());
        assert!(slow.rate_warning().is_some_and(|w| w.contains("15.00% of orders started on time")));
        let kept = step(100, 1);
        assert!(kept.held() && kept.rate_warning().is_none());
    }
}

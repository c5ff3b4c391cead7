//! One trial of a candidate repro: a fresh target (the run's, on one PG, no random faults), the
//! scenario run `repeat` times at once, recorded in memory and checked. Each trial starts from
//! nothing, so what it shows is the candidate's alone.

use crate::check;
use crate::drive::setup::{self, FaultOverrides, TargetSetup};
use crate::exec::ExecContext;
use crate::exit::Fatal;
use crate::pg::PgName;
use crate::record::{self, Cell, Event, Recorder, RunEnd, RunInfo};
use crate::spec::Scenario;
use std::path::PathBuf;
use std::time::Duration;

/// How trials start their target.
pub struct Trials {
    pub setup: TargetSetup,
    pub mocks_dir: Option<PathBuf>,
    pub converge_within: Duration,
    /// Trials run so far.
    pub runs: u32,
}

impl Trials {
    /// Whether `scenario` on `pg`, run `repeat` times on a fresh target, breaks `invariant`.
    pub async fn breaks(
        &mut self,
        scenario: &Scenario,
        pg: PgName,
        repeat: u32,
        invariant: &str,
    ) -> Result<bool, Fatal> {
        self.runs += 1;
        // Zero rates, not none: a mock file's own rates would draw faults at random too.
        let calm = FaultOverrides { error_rate: Some(0.0), timeout_rate: Some(0.0), latency: None };
        let mocks = setup::select_mocks(self.mocks_dir.as_deref(), &[pg], self.setup.choice.pgs(), &calm)?;
        let run_id = setup::new_run_id(Some(&format!("shrink{}", self.runs)), None);
        let target = setup::start_target(&self.setup, mocks, &run_id).await?;
        let recorder =
            Recorder::new(None, true).map_err(|e| Fatal::bad_input(format!("cannot record a trial: {e}")))?;
        recorder.record(Event::Run(RunInfo {
            run_id: run_id.clone(),
            started_at: record::now(),
            mode: self.setup.choice.mode(),
            target: target.description.clone(),
            profile: target.profile.clone(),
            scenarios: vec![scenario.name.clone()],
            pgs: vec![pg],
            repeat,
            pg_observable: target.fleet().is_some(),
            random_faults: false,
        }));
        let ctx = ExecContext {
            run_id: &run_id,
            target: &target.target,
            fleet: target.fleet(),
            recorder: &recorder,
            transport: None,
            converge_within: self.converge_within,
        };
        let cells: Vec<Cell> =
            (1..=repeat).map(|repeat| Cell { scenario: scenario.name.clone(), pg, repeat }).collect();
        futures::future::join_all(cells.iter().map(|cell| ctx.run_cell(scenario, cell))).await;
        for cell in cells {
            recorder.record(Event::CellEnd(cell));
        }
        target.record_pg_side(&recorder).await;
        recorder.record(Event::End(RunEnd { finished_at: record::now(), partial: false }));
        let history = recorder.finish().map_err(Fatal::bad_input)?;
        drop(target);
        let verdict = check::check(&history, std::slice::from_ref(scenario));
        Ok(verdict.violations.iter().any(|v| v.invariant == invariant && v.pg.is_none_or(|p| p == pg)))
    }
}

//! The `run` driver: starts the target, runs every scenario × PG × repeat concurrently,
//! records the history, checks it, and writes the reports. Emits progress as [`RunEvent`]s;
//! prints nothing.

use super::setup::{self, FaultOverrides, RunningTarget, TargetChoice, TargetSetup};
use super::shrink::{self, ShrinkOptions};
use crate::check::{self, Repro, Verdict};
use crate::exec::ExecContext;
use crate::exit::{Exit, Fatal};
use crate::fakes::ServerKind;
use crate::pg::PgName;
use crate::record::{self, Cell, CellNote, CellNoteKind, Event, History, Recorder, RunEnd, RunInfo};
use crate::report::{self, run::RunReport};
use crate::settle;
use crate::spec::{self, Op, Scenario};
use crate::target::Target;
use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub target: TargetChoice,
    /// Only these scenarios (by name); empty means all.
    pub scenarios: Vec<String>,
    /// Only these PGs; empty means every PG with a mock.
    pub pgs: Vec<PgName>,
    pub repeat: u32,
    /// Where run folders go (`reports/`).
    pub out: PathBuf,
    pub scenarios_dir: Option<PathBuf>,
    pub mocks_dir: Option<PathBuf>,
    /// The embedded platform's (or direct mode's) PG timeout.
    pub pg_timeout: Duration,
    /// Fault rates applied to every fake on top of the scripted faults.
    pub faults: FaultOverrides,
    /// How many cells run at once.
    pub concurrency: usize,
    /// How long an unknown outcome may take to show as the PG's ledger holds it.
    pub converge_within: Duration,
    /// Run these scenario files instead (`--scenario-file`); a file's `pg` picks its PG.
    pub scenario_files: Vec<PathBuf>,
    /// Time for shrinking the violations to minimal repros; none: no shrinking.
    pub shrink: Option<Duration>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            target: TargetChoice::Embedded { defects: Vec::new() },
            scenarios: Vec::new(),
            pgs: Vec::new(),
            repeat: 1,
            out: PathBuf::from("reports"),
            scenarios_dir: None,
            mocks_dir: None,
            pg_timeout: Duration::from_secs(1),
            faults: FaultOverrides::default(),
            concurrency: 128,
            converge_within: Duration::from_secs(30),
            scenario_files: Vec::new(),
            shrink: Some(Duration::from_secs(60)),
        }
    }
}

/// Progress, for whoever displays it.
#[derive(Debug, Clone)]
pub enum RunEvent {
    /// The target is up; `cells` will run. `notes` are lines worth showing first.
    Started {
        run_id: String,
        cells: usize,
        notes: Vec<String>,
    },
    CellDone {
        cell: Cell,
        done: usize,
        total: usize,
    },
    /// Shrinking the `n`-th of `total` violated invariants to a repro.
    Shrinking {
        invariant: String,
        n: usize,
        total: usize,
    },
}

/// What a run produced.
pub struct RunOutcome {
    pub verdict: Verdict,
    /// `summary.md`, also for printing.
    pub summary: String,
    pub run_dir: PathBuf,
    pub exit: Exit,
}

/// Runs the matrix and writes the reports. `on_event` sees progress as it happens.
pub async fn run(opts: &RunOptions, on_event: &(dyn Fn(RunEvent) + Sync)) -> Result<RunOutcome, Fatal> {
    let (scenarios, wanted_pgs) = if opts.scenario_files.is_empty() {
        let all = spec::resolve_scenarios(opts.scenarios_dir.as_deref())?;
        (setup::select_scenarios(all, &opts.scenarios, "--scenario")?, opts.pgs.clone())
    } else {
        let files = opts.scenario_files.iter().map(|f| Scenario::load(f)).collect::<Result<Vec<_>, _>>()?;
        // Files that each name their PG run there, unless --pg says otherwise.
        let mut pgs = opts.pgs.clone();
        if pgs.is_empty() && files.iter().all(|s| s.pg.is_some()) {
            pgs = files.iter().filter_map(|s| s.pg).collect();
            pgs.sort();
            pgs.dedup();
        }
        (files, pgs)
    };
    let mocks = setup::select_mocks(opts.mocks_dir.as_deref(), &wanted_pgs, opts.target.pgs(), &opts.faults)?;
    if opts.repeat == 0 {
        return Err(Fatal::bad_input("--repeat must be at least 1"));
    }
    let pgs: Vec<PgName> = mocks.iter().map(|m| m.pg).collect();
    let run_id = setup::new_run_id(None, None);
    let started = Instant::now();
    let target_setup = TargetSetup {
        choice: opts.target.clone(),
        server: ServerKind::Wiremock,
        pg_timeout: opts.pg_timeout,
        client_timeout: opts.pg_timeout + Duration::from_secs(10),
        id_prefix: "ord".into(),
    };
    let target = setup::start_target(&target_setup, mocks, &run_id).await?;
    let run_dir = opts.out.join(&run_id);
    let started_at = record::now();
    report::create_run_dir(&run_dir, &started_at)
        .map_err(|e| Fatal::bad_input(format!("cannot create the report folder {} (--out): {e}", run_dir.display())))?;
    let history_tmp = run_dir.join(".history.jsonl.tmp");
    let recorder = Recorder::new(Some(&history_tmp), true)
        .map_err(|e| Fatal::bad_input(format!("cannot write {}: {e}", history_tmp.display())))?;
    recorder.record(Event::Run(RunInfo {
        run_id: run_id.clone(),
        started_at,
        mode: opts.target.mode(),
        target: target.description.clone(),
        profile: target.profile.clone(),
        scenarios: scenarios.iter().map(|s| s.name.clone()).collect(),
        pgs: pgs.clone(),
        repeat: opts.repeat,
        pg_observable: target.fleet().is_some(),
        random_faults: opts.faults.random(),
    }));

    // Repetition-major order: at any moment every scenario and PG is in flight, so no single
    // fault scenario crowds out the rest (and trips the platform's breaker on its own).
    let mut cells: Vec<(Cell, &Scenario)> = Vec::new();
    for repeat in 1..=opts.repeat {
        for s in &scenarios {
            for pg in pgs.iter().filter(|pg| s.pg.is_none_or(|only| only == **pg)) {
                cells.push((Cell { scenario: s.name.clone(), pg: *pg, repeat }, s));
            }
        }
    }
    // A scenario that needs an op the platform lacks does not run there: not supported.
    cells.retain(|(cell, scenario)| match unsupported(&target.target, scenario) {
        None => true,
        Some(why) => {
            recorder.record(Event::Note(CellNote { cell: cell.clone(), kind: CellNoteKind::NotSupported, why }));
            false
        }
    });
    let total = cells.len();
    // Listen before saying the run started: a Ctrl-C right after it must stop it cleanly.
    let signals = crate::stop::StopSignals::listen();
    on_event(RunEvent::Started { run_id: run_id.clone(), cells: total, notes: target.notes.clone() });
    let stopped =
        run_cells(&target, &run_id, &recorder, &cells, (opts.concurrency, opts.converge_within), signals, on_event)
            .await;
    target.record_pg_side(&recorder).await;
    save_pg_settlements(&target, &run_dir);
    recorder.record(Event::End(RunEnd { finished_at: record::now(), partial: stopped.is_some() }));
    let history = recorder.finish().map_err(Fatal::bad_input)?;
    std::fs::rename(&history_tmp, run_dir.join("history.jsonl"))
        .map_err(|e| Fatal::bad_input(format!("cannot write the history in {}: {e}", run_dir.display())))?;
    let seconds = started.elapsed().as_secs_f64();
    drop(target);

    let calls = history.calls();
    let verdict = check::check_calls(&history, &calls, &scenarios);
    let repros = match opts.shrink {
        Some(budget) if !verdict.violations.is_empty() && stopped.is_none() => {
            let shrink = ShrinkOptions {
                setup: target_setup,
                mocks_dir: opts.mocks_dir.clone(),
                converge_within: opts.converge_within,
                budget,
                run_dir: run_dir.clone(),
            };
            let on_start = |invariant: &str, n: usize, total: usize| {
                on_event(RunEvent::Shrinking { invariant: invariant.into(), n, total })
            };
            shrink::shrink_all(&verdict, &scenarios, &shrink, &on_start).await?
        }
        _ => Vec::new(),
    };
    let summary = write_reports(&history, &calls, &verdict, &scenarios, &repros, &run_dir, &opts.out, seconds)?;
    let exit = if let Some(signal) = stopped {
        signal
    } else if verdict.passed() {
        Exit::Held
    } else {
        Exit::Failed
    };
    Ok(RunOutcome { verdict, summary, run_dir, exit })
}

/// Why `scenario` cannot run on `target`, if it cannot: an op the platform lacks, or a request
/// without an idempotency key where the platform's profile says keys are not required.
pub fn unsupported(target: &Target, scenario: &Scenario) -> Option<String> {
    if let Some(step) = scenario.steps.iter().find(|s| !target.supports(s.op)) {
        return Some(format!("the platform has no {} (step {} needs it)", step.op.as_str(), step.index));
    }
    if let Some(step) = scenario.steps.iter().find(|s| s.no_key && s.op == Op::CreateOrder && target.mints_orders()) {
        return Some(format!(
            "step {} creates without a key, and the platform makes no orders (paydrill mints them)",
            step.index
        ));
    }
    if let Some(step) = scenario.steps.iter().find(|s| s.no_key && !target.requires_keys()) {
        return Some(format!(
            "step {} sends no idempotency key, and the profile says keys are not required",
            step.index
        ));
    }
    None
}

/// Runs the cells, `concurrency` at a time, until all are done or a stop signal comes; the exit
/// code of that signal when one did.
async fn run_cells(
    target: &RunningTarget,
    run_id: &str,
    recorder: &Recorder,
    cells: &[(Cell, &Scenario)],
    (concurrency, converge_within): (usize, Duration),
    mut signals: crate::stop::StopSignals,
    on_event: &(dyn Fn(RunEvent) + Sync),
) -> Option<Exit> {
    let ctx = ExecContext {
        run_id,
        target: &target.target,
        fleet: target.fleet(),
        recorder,
        transport: None,
        converge_within,
    };
    let ctx = &ctx;
    let total = cells.len();
    let mut done = 0usize;
    let mut runs = futures::stream::iter(cells.iter().map(|(cell, scenario)| async move {
        ctx.run_cell(scenario, cell).await;
        cell.clone()
    }))
    .buffer_unordered(concurrency.max(1));
    let mut stop = std::pin::pin!(signals.next());
    loop {
        tokio::select! {
            next = runs.next() => match next {
                Some(cell) => {
                    done += 1;
                    recorder.record(Event::CellEnd(cell.clone()));
                    on_event(RunEvent::CellDone { cell, done, total });
                }
                None => return None,
            },
            signal = &mut stop => return Some(signal),
        }
    }
}

/// The folder of a run where each fake's settlement report is kept (`<pg>.csv`), for
/// `paydrill reconcile --pg-reports`.
pub const PG_SETTLEMENTS: &str = "pg-settlements";

/// Keeps each fake's settlement report in the run folder, as the fake itself serves it.
fn save_pg_settlements(target: &RunningTarget, run_dir: &Path) {
    let Some(fleet) = target.fleet() else { return };
    let dir = run_dir.join(PG_SETTLEMENTS);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        tracing::warn!("cannot keep the PGs' settlement reports in {}: {e}", dir.display());
        return;
    }
    for endpoint in fleet.endpoints() {
        let name = format!("{}.csv", endpoint.pg());
        let saved = endpoint.fake.settlement_report().map_err(std::io::Error::other);
        if let Err(e) = saved.and_then(|csv| report::write_atomic(&dir, &name, csv.as_bytes())) {
            tracing::warn!("cannot keep {name} in {}: {e}", dir.display());
        }
    }
}

/// Writes every report of a checked history next to it; points `latest` at it.
#[allow(clippy::too_many_arguments)]
fn write_reports(
    history: &History,
    calls: &[record::Call],
    verdict: &Verdict,
    scenarios: &[Scenario],
    repros: &[Repro],
    run_dir: &Path,
    reports_root: &Path,
    seconds: f64,
) -> Result<String, Fatal> {
    let rows = settle::rows_of(history, calls);
    let report = RunReport { history, calls, verdict, rows: &rows, seconds, scenarios, repros };
    let summary = report::run::write_all(run_dir, &report)
        .map_err(|e| Fatal::bad_input(format!("cannot write the reports in {}: {e}", run_dir.display())))?;
    if let Err(e) = report::complete_run_dir(reports_root, run_dir) {
        tracing::warn!("could not mark {} complete and point latest at it: {e}", run_dir.display());
    }
    Ok(summary)
}

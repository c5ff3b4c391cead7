//! The `load` driver, on goose: an open arrival rate of orders (each with a scheduled start),
//! one goose transaction per scenario instance with each op a named request, every order
//! checked against the PG ledgers as it finishes and streamed to disk (memory stays flat), SLO
//! gates, a capacity search, and shards that merge. Emits [`LoadEvent`]s; prints nothing.

mod attack;
mod capacity;
mod event;
mod order;
mod stream;
mod transport;

use super::setup::{self, FaultOverrides, TargetChoice, TargetSetup};
use crate::exit::{Exit, Fatal};
use crate::fakes::ServerKind;
use crate::measure::{ShardFigures, Slo, StepFigures};
use crate::pg::PgName;
use crate::record::{self, Event, Mode, RunEnd, RunInfo};
use crate::report::{self, load::LoadReport};
use crate::spec;
use crate::units::Rate;
use ::goose::config::GooseConfiguration;
pub use attack::open_rate_config;
use attack::{StepPlan, StepRules};
use capacity::CapacitySearch;
pub use event::{LoadEvent, LoadProgress};
use order::LoadContext;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stream::StreamedFiles;

/// The mix when none is given.
pub const DEFAULT_MIX: &str = "FULL_FLOW=6,PARTIAL_CANCEL=2,DUPLICATE_CLICK=1,ONLY_CREATE_APPROVE=1";

/// What to load.
#[derive(Clone)]
pub struct LoadOptions {
    pub rate: Rate,
    pub duration: Duration,
    pub warmup: Duration,
    /// Scenario name → weight.
    pub mix: Vec<(String, u32)>,
    pub slo: Slo,
    pub find_capacity: bool,
    /// Time per capacity step.
    pub step_duration: Duration,
    /// Capacity search stops doubling here.
    pub max_rate: Rate,
    pub target: TargetChoice,
    pub out: PathBuf,
    /// `(i, n)`: this process is shard i of n (1-based).
    pub shard: Option<(u32, u32)>,
    pub pgs: Vec<PgName>,
    pub faults: FaultOverrides,
    pub pg_timeout: Duration,
    /// How long an unknown outcome may take to show as the PG's ledger holds it.
    pub converge_within: Duration,
    pub mocks_dir: Option<PathBuf>,
    pub scenarios_dir: Option<PathBuf>,
    pub goose: GooseConfiguration,
}

impl LoadOptions {
    /// A run that would schedule no order cannot pass: it is refused before anything starts.
    fn schedules_orders(&self) -> Result<(), Fatal> {
        let share = self.shard.map_or(1.0, |(_, n)| 1.0 / n as f64);
        let (flag, window) =
            if self.find_capacity { ("--step-duration", self.step_duration) } else { ("--duration", self.duration) };
        let orders = self.rate.per_minute * share / 60.0 * window.as_secs_f64();
        if orders < 1.0 {
            return Err(Fatal::bad_input(format!(
                "{flag} {window:?} at --rate {}/min{} schedules no order ({orders:.2} expected): make it longer or \
                 the rate higher",
                self.rate.per_minute,
                self.shard.map_or(String::new(), |(i, n)| format!(" (shard {i}/{n})")),
            )));
        }
        Ok(())
    }
}

/// What a load run produced.
pub struct LoadOutcome {
    pub steps: Vec<StepFigures>,
    pub best_rate: Option<f64>,
    /// `summary.md`, also for printing.
    pub summary: String,
    pub run_dir: PathBuf,
    pub exit: Exit,
}

/// Runs the load (or the capacity search) and writes every report.
pub async fn run(opts: &LoadOptions, on_event: &(dyn Fn(LoadEvent) + Sync)) -> Result<LoadOutcome, Fatal> {
    opts.schedules_orders()?;
    let all = spec::resolve_scenarios(opts.scenarios_dir.as_deref())?;
    let names: Vec<String> = opts.mix.iter().map(|(name, _)| name.clone()).collect();
    let chosen = setup::select_scenarios(all, &names, "--mix")?;
    let scenarios: Vec<_> =
        names.iter().filter_map(|n| chosen.iter().find(|s| s.name.eq_ignore_ascii_case(n)).cloned()).collect();
    let weights: Vec<u32> = opts.mix.iter().map(|(_, w)| *w).collect();
    let mocks = setup::select_mocks(opts.mocks_dir.as_deref(), &opts.pgs, opts.target.pgs(), &opts.faults)?;
    if matches!(opts.target, TargetChoice::Direct) {
        return Err(Fatal::bad_input("load drills a platform: --direct is for `paydrill run`"));
    }
    let pgs: Vec<PgName> = mocks.iter().map(|m| m.pg).collect();
    let run_id = setup::new_run_id(Some("load"), opts.shard);
    let target_setup = TargetSetup {
        choice: opts.target.clone(),
        server: ServerKind::Lean,
        pg_timeout: opts.pg_timeout,
        client_timeout: opts.pg_timeout * 3 + Duration::from_secs(5),
        id_prefix: opts.shard.map_or("ord".to_string(), |(i, n)| format!("s{i}of{n}")),
    };
    let target = setup::start_target(&target_setup, mocks, &run_id).await?;
    let run_dir = opts.out.join(&run_id);
    let started_at = record::now();
    report::create_run_dir(&run_dir, &started_at)
        .map_err(|e| Fatal::bad_input(format!("cannot create the report folder {} (--out): {e}", run_dir.display())))?;
    let mut files = StreamedFiles::create(&run_dir).map_err(Fatal::bad_input)?;
    let info = RunInfo {
        run_id: run_id.clone(),
        started_at,
        mode: Mode::Load,
        target: target.description.clone(),
        profile: target.profile.clone(),
        scenarios: scenarios.iter().map(|s| s.name.clone()).collect(),
        pgs: pgs.clone(),
        repeat: 1,
        pg_observable: target.fleet().is_some(),
        random_faults: opts.faults.random(),
    };
    files.events([&Event::Run(info.clone())]);
    on_event(LoadEvent::Started { run_id: run_id.clone(), notes: target.notes.clone() });
    let load = Arc::new(LoadContext {
        run_id: run_id.clone(),
        target,
        scenarios,
        weights,
        pgs: pgs.clone(),
        info,
        shard: opts.shard,
        converge_within: opts.converge_within,
        files: Mutex::new(Some(files)),
    });
    // Goose owns SIGINT while a step runs (its killswitch); SIGTERM pulls the same switch.
    let terminated = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let term_watch = {
        let terminated = terminated.clone();
        tokio::spawn(async move {
            crate::stop::terminated().await;
            terminated.store(true, std::sync::atomic::Ordering::SeqCst);
            goose::trigger_killswitch("SIGTERM received");
        })
    };
    let rules = StepRules {
        goose: &opts.goose,
        slo: &opts.slo,
        share: opts.shard.map_or(1.0, |(_, n)| 1.0 / n as f64),
        pg_timeout: opts.pg_timeout,
    };

    let mut steps = Vec::new();
    let mut best_rate = None;
    if opts.find_capacity {
        let mut search = CapacitySearch::new(opts.rate.per_minute, opts.max_rate.per_minute);
        while let Some(rate) = search.next_rate() {
            let index = steps.len() as u32 + 1;
            let duration = opts.step_duration;
            let warmup = Duration::ZERO;
            on_event(LoadEvent::StepStarted { index, per_min: rate * rules.share, duration, warmup, capacity: true });
            let plan = StepPlan {
                index,
                rate: Rate { per_minute: rate },
                warmup,
                duration,
                run_dir: &run_dir,
                name: format!("step{index}"),
            };
            let figures = attack::run_step(&load, &rules, plan, on_event).await?;
            let cut_short = figures.cut_short || terminated.load(std::sync::atomic::Ordering::SeqCst);
            if !cut_short {
                search.record(figures.held());
            }
            on_event(LoadEvent::StepDone { figures: Box::new(figures.clone()) });
            steps.push(figures);
            if cut_short {
                break;
            }
        }
        best_rate = search.best();
    } else {
        let (duration, warmup) = (opts.duration, opts.warmup);
        let per_min = opts.rate.per_minute * rules.share;
        on_event(LoadEvent::StepStarted { index: 1, per_min, duration, warmup, capacity: false });
        let plan = StepPlan { index: 1, rate: opts.rate, warmup, duration, run_dir: &run_dir, name: "load".into() };
        let figures = attack::run_step(&load, &rules, plan, on_event).await?;
        on_event(LoadEvent::StepDone { figures: Box::new(figures.clone()) });
        steps.push(figures);
    }

    term_watch.abort();
    let stopped = if terminated.load(std::sync::atomic::Ordering::SeqCst) {
        Some(Exit::Terminated)
    } else if steps.iter().any(|s| s.cut_short) {
        Some(Exit::Interrupted)
    } else {
        None
    };
    let mut files = crate::locks::lock(&load.files).take().expect("the streamed files are open until here");
    files.events([&Event::End(RunEnd { finished_at: record::now(), partial: stopped.is_some() })]);
    let streamed = files.finish().map_err(Fatal::bad_input)?;
    let slo_text = opts.slo.terms.iter().map(|t| t.text.clone()).collect::<Vec<_>>().join(",");
    let report = LoadReport {
        run_id: &run_id,
        mix: &opts.mix,
        slo: &slo_text,
        pgs: &pgs,
        find_capacity: opts.find_capacity,
        steps: &steps,
        best_rate,
        settlement: &streamed.settlement,
        history_bytes: streamed.history_bytes,
        partial: stopped.is_some(),
    };
    let summary = report::load::write_all(&run_dir, &report)
        .map_err(|e| Fatal::bad_input(format!("cannot write the reports in {}: {e}", run_dir.display())))?;
    if let Some(last) = steps.last() {
        let saved = ShardFigures {
            run_id: run_id.clone(),
            shard: opts.shard,
            scheduled_per_min: last.scheduled_per_min,
            seconds: opts.duration.as_secs_f64(),
            scheduled: last.scheduled,
            started: last.started,
            completed: last.completed,
            late: last.late,
            violations: last.found.violations,
            book: last.book.to_saved(),
            slo: slo_text.clone(),
        };
        let json = serde_json::to_string_pretty(&saved).unwrap_or_default();
        report::write_atomic(&run_dir, "load.json", json.as_bytes())
            .map_err(|e| Fatal::bad_input(format!("cannot write load.json: {e}")))?;
    }
    if let Err(e) = report::complete_run_dir(&opts.out, &run_dir) {
        tracing::warn!("could not mark {} complete and point latest at it: {e}", run_dir.display());
    }
    let exit = stopped.unwrap_or(if report.passed() { Exit::Held } else { Exit::Failed });
    Ok(LoadOutcome { steps, best_rate, summary, run_dir, exit })
}

//! One load step as one goose attack: one goose transaction per order, goose's users sized to
//! the rate, its run time and reports filled in, and the step's figures gathered into a
//! [`StepFigures`].

use super::event::{LoadEvent, LoadProgress};
use super::order::{run_order, LoadContext, StepState};
use crate::exit::Fatal;
use crate::locks::lock;
use crate::measure::{ProcessCost, ProcessReading, Schedule, Slo, StepFigures, TimelinePoint};
use crate::units::Rate;
use goose::client::GooseClientBuilder;
use goose::config::GooseConfiguration;
use goose::prelude::*;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One step to run: its number, rate, times, and the name of its goose reports.
pub struct StepPlan<'a> {
    pub index: u32,
    pub rate: Rate,
    pub warmup: Duration,
    pub duration: Duration,
    pub run_dir: &'a Path,
    pub name: String,
}

/// What every step of a run shares: goose's own flags, the SLO, and the timing rules.
pub struct StepRules<'a> {
    pub goose: &'a GooseConfiguration,
    pub slo: &'a Slo,
    /// This process's share of the rate (1 for no shards).
    pub share: f64,
    pub pg_timeout: Duration,
}

/// Runs one step: goose drives the users, the schedule drives the orders.
pub async fn run_step(
    load: &Arc<LoadContext>,
    rules: &StepRules<'_>,
    plan: StepPlan<'_>,
    on_event: &(dyn Fn(LoadEvent) + Sync),
) -> Result<StepFigures, Fatal> {
    let StepPlan { index, rate, warmup, duration, run_dir, name } = plan;
    let per_second = rate.per_second() * rules.share;
    let lead = Duration::from_secs(1);
    let step = Arc::new(StepState::new(index, Schedule::new(per_second, warmup, duration, lead)));
    let config =
        goose_config(rules, load.target.target.base_url(), per_second, lead + warmup + duration, run_dir, &name);
    let tx_load = load.clone();
    let tx_step = step.clone();
    let transaction = Transaction::new(Arc::new(move |user: &mut GooseUser| {
        let load = tx_load.clone();
        let step = tx_step.clone();
        Box::pin(async move {
            run_order(&load, &step, user).await;
            Ok(())
        })
    }))
    .set_name("order");
    let started = Instant::now();
    let cost_from = ProcessReading::now();
    // One HTTP client for every goose user, built once (paydrill sends through its own client,
    // and a client per user loads the root certificates again for each).
    let attack = GooseAttack::initialize_with_config(config)
        .and_then(|a| a.set_client_builder_without_cookies(GooseClientBuilder::new().without_cookies()))
        .map_err(|e| Fatal::bad_input(format!("goose settings: {e}")))?
        .register_scenario(goose::goose::Scenario::new("orders").register_transaction(transaction));
    // Progress about once a second while goose runs the step.
    let execute = attack.execute();
    tokio::pin!(execute);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let mut timeline = Timeline::default();
    let outcome = loop {
        tokio::select! {
            outcome = &mut execute => break outcome,
            _ = tick.tick() => {
                timeline.take(&step, started, lead);
                on_event(LoadEvent::Progress(progress(&step, started, lead, warmup + duration, per_second)));
            }
        }
    };
    timeline.take(&step, started, lead);
    let goose_failed = match outcome {
        Ok(_) => None,
        Err(goose::GooseError::ThresholdsFailed { .. }) => {
            Some("a goose --threshold failed (see the goose report)".to_string())
        }
        Err(e) => return Err(Fatal::unreachable(format!("goose could not run the load: {e}"))),
    };
    // Orders still in flight when goose stopped finish now; wait briefly for them.
    let settle_until = Instant::now() + rules.pg_timeout * 2 + Duration::from_secs(2);
    while step.completed.load(Ordering::Relaxed) < step.started.load(Ordering::Relaxed) && Instant::now() < settle_until
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seconds = (warmup + duration).as_secs_f64();
    let book = lock(&step.book).clone();
    let found = std::mem::take(&mut *lock(&step.found));
    let converged = std::mem::take(&mut *lock(&step.converged));
    // Goose's killswitch: its own Ctrl-C handler, or paydrill's on SIGTERM.
    let cut_short = goose::is_killswitch_triggered();
    // A step cut short achieved its rate over the time it measured, not the time it was given.
    let measured = if cut_short { started.elapsed().saturating_sub(lead + warmup).min(duration) } else { duration };
    Ok(StepFigures {
        index,
        scheduled_per_min: per_second * 60.0,
        achieved_per_min: book.order.len() as f64 / measured.as_secs_f64().max(0.001) * 60.0,
        scheduled: step.schedule.total,
        started: step.started.load(Ordering::Relaxed),
        completed: step.completed.load(Ordering::Relaxed),
        late: step.late.load(Ordering::Relaxed),
        found,
        converged,
        slo_broken: rules.slo.broken(&book),
        book,
        goose_failed,
        seconds: seconds.max(started.elapsed().as_secs_f64().min(seconds)),
        cut_short,
        timeline: timeline.points,
        cost: ProcessCost::between(cost_from, ProcessReading::now()),
    })
}

/// Goose's configuration for one step: the user's flags, with users, ramp, run time and
/// reports filled in where the user left them.
fn goose_config(
    rules: &StepRules,
    host: &str,
    per_second: f64,
    arrivals: Duration,
    run_dir: &Path,
    name: &str,
) -> GooseConfiguration {
    let drain = rules.pg_timeout * 3 + Duration::from_secs(3);
    let mut config = open_rate_config(rules.goose, host, per_second, arrivals, drain);
    // Goose's JSON report only: its HTML page draws its charts from a CDN and is blank offline
    // (paydrill's report.html draws its own). A user's --report-file is theirs to choose.
    if config.report_file.is_empty() {
        config.report_file = vec![run_dir.join(format!("goose-{name}.json")).display().to_string()];
    }
    config
}

/// Goose set up to carry an open arrival rate of `per_second` orders for `arrivals`, then
/// `drain` for the last ones to finish: enough users for the orders in flight, all started at
/// once, quiet. What the user set in `base` stays.
pub fn open_rate_config(
    base: &GooseConfiguration,
    host: &str,
    per_second: f64,
    arrivals: Duration,
    drain: Duration,
) -> GooseConfiguration {
    let mut config = base.clone();
    config.host.get_or_insert(host.to_string());
    let users = config.users.unwrap_or_else(|| ((per_second * 1.5).ceil() as usize).clamp(16, 4000));
    config.users = Some(users);
    config.increase_rate.get_or_insert_with(|| users.to_string());
    config.run_time.get_or_insert_with(|| format!("{}s", (arrivals + drain).as_secs() + 1));
    // Goose's per-second percentiles grow with the run: keep them for short runs only.
    if arrivals > Duration::from_secs(121) {
        config.no_percentiles_over_time = true;
    }
    config.no_telnet = true;
    config.quiet = config.quiet.max(1);
    if config.verbose == 0 {
        config.no_print_metrics = true;
    }
    config
}

/// The step's figures so far.
fn progress(step: &StepState, started: Instant, lead: Duration, total: Duration, per_second: f64) -> LoadProgress {
    let elapsed = started.elapsed().saturating_sub(lead).min(total);
    let (order_p50_ms, order_p99_ms, errors) = {
        let book = lock(&step.book);
        let at = |q: f64| book.order_percentile_us(q).map(|us| us as f64 / 1000.0);
        (at(50.0), at(99.0), book.errors.values().sum())
    };
    let begun = step.started.load(Ordering::Relaxed);
    LoadProgress {
        index: step.index,
        elapsed,
        total,
        scheduled_per_min: per_second * 60.0,
        achieved_per_min: begun as f64 / elapsed.as_secs_f64().max(0.001) * 60.0,
        started: begun,
        late: step.late.load(Ordering::Relaxed),
        completed: step.completed.load(Ordering::Relaxed),
        order_p50_ms,
        order_p99_ms,
        errors,
        violations: lock(&step.found).violations,
    }
}

/// The step's timeline as it is taken, a point a second.
#[derive(Default)]
struct Timeline {
    points: Vec<TimelinePoint>,
    started: u64,
    late: u64,
    refused: u64,
}

impl Timeline {
    /// The point for the second just ended (nothing before the first arrival was due).
    fn take(&mut self, step: &StepState, started: Instant, lead: Duration) {
        let Some(since) = started.elapsed().checked_sub(lead) else { return };
        let window = std::mem::take(&mut *lock(&step.window));
        let now = [&step.started, &step.late, &step.refused].map(|n| n.load(Ordering::Relaxed));
        let second = since.as_secs() as u32;
        let [started, late, refused] = [now[0] - self.started, now[1] - self.late, now[2] - self.refused];
        self.points.push(TimelinePoint::of(second, &window, started, late, refused));
        [self.started, self.late, self.refused] = now;
    }
}

//! One order of a load step: claim its scheduled start, run its scenario instance through the
//! goose user, then measure it, check it against the PG ledger, stream it out (bodies only for
//! a failing order and a sample of the others), and let the fakes forget it — so memory stays
//! flat however many orders a run makes.

use super::stream::StreamedFiles;
use super::transport::GooseTransport;
use crate::check::{self, Tally};
use crate::drive::setup::RunningTarget;
use crate::exec::ExecContext;
use crate::locks::lock;
use crate::measure::{pacing, ConvergenceBook, LatencyBook, Schedule, ON_TIME};
use crate::pg::PgName;
use crate::record::{Cell, Event, History, LedgerSnapshot, Phase, Recorder, RunEnd, RunInfo};
use crate::settle;
use crate::spec::{Op, Scenario};
use goose::prelude::GooseUser;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One order in this many keeps its request and answer bodies in the history although it
/// passed every check (a failing order always keeps them): a sample to read, at a fraction of
/// the bytes.
pub const BODIES_SAMPLED: u32 = 100;

/// Everything every order of the load run shares.
pub struct LoadContext {
    pub run_id: String,
    pub target: RunningTarget,
    pub scenarios: Vec<Scenario>,
    pub weights: Vec<u32>,
    pub pgs: Vec<PgName>,
    /// The header every order's history is checked under.
    pub info: RunInfo,
    pub shard: Option<(u32, u32)>,
    pub converge_within: std::time::Duration,
    pub files: Mutex<Option<StreamedFiles>>,
}

/// One step's arrivals and what its orders found so far.
pub struct StepState {
    pub index: u32,
    pub schedule: Schedule,
    pub book: Mutex<LatencyBook>,
    /// What finished since the last timeline point (taken every second).
    pub window: Mutex<LatencyBook>,
    pub late: AtomicU64,
    /// Measured calls refused (4xx, a PG decline).
    pub refused: AtomicU64,
    pub started: AtomicU64,
    pub completed: AtomicU64,
    pub found: Mutex<Tally>,
    pub converged: Mutex<ConvergenceBook>,
}

impl StepState {
    pub fn new(index: u32, schedule: Schedule) -> StepState {
        StepState {
            index,
            schedule,
            book: Mutex::new(LatencyBook::default()),
            window: Mutex::new(LatencyBook::default()),
            late: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            started: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            found: Mutex::new(Tally::default()),
            converged: Mutex::new(ConvergenceBook::default()),
        }
    }
}

/// Runs the next order of `step` on `user`, or idles when every order is out.
pub async fn run_order(load: &LoadContext, step: &StepState, user: &mut GooseUser) {
    let Some(slot) = step.schedule.claim() else {
        // Every order of this step is out: idle until goose stops the users.
        tokio::time::sleep(Duration::from_millis(200)).await;
        return;
    };
    tokio::time::sleep_until(tokio::time::Instant::from_std(slot.scheduled)).await;
    if Instant::now().saturating_duration_since(slot.scheduled) > ON_TIME {
        step.late.fetch_add(1, Ordering::Relaxed);
    }
    step.started.fetch_add(1, Ordering::Relaxed);
    let scenario = &load.scenarios[pacing::pick(&load.weights, slot.n)];
    let pg = load.pgs[(slot.n % load.pgs.len() as u64) as usize];
    // Instance numbers are unique across steps and shards, so merged histories keep them apart.
    let (shard_i, shard_n) = load.shard.unwrap_or((1, 1));
    let instance = (step.index as u64 - 1) * 100_000_000 + slot.n * shard_n as u64 + shard_i as u64;
    let cell = Cell { scenario: scenario.name.clone(), pg, repeat: instance as u32 };
    let Ok(recorder) = Recorder::new(None, true) else { return };
    let transport = GooseTransport::new(user);
    let run_id = format!("{}.{}", load.run_id, step.index);
    let ctx = ExecContext {
        run_id: &run_id,
        target: &load.target.target,
        fleet: load.target.fleet(),
        recorder: &recorder,
        transport: Some(&transport),
        converge_within: load.converge_within,
    };
    ctx.run_cell(scenario, &cell).await;
    let order_us = slot.scheduled.elapsed().as_micros() as u64;
    let events = recorder.finish().map(|h| h.events).unwrap_or_default();
    finish_order(load, step, slot.measured.then_some(order_us), scenario, &cell, events);
    step.completed.fetch_add(1, Ordering::Relaxed);
}

/// Measures one finished order (when `measured_us` says it counts), checks it against the PG
/// ledger, streams it out, and lets the fakes forget it.
fn finish_order(
    load: &LoadContext,
    step: &StepState,
    measured_us: Option<u64>,
    scenario: &Scenario,
    cell: &Cell,
    events: Vec<Event>,
) {
    let mut order_history = History { events: Vec::with_capacity(events.len() + 3) };
    order_history.events.push(Event::Run(load.info.clone()));
    order_history.events.extend(events);
    let calls = order_history.calls();
    if let Some(order_us) = measured_us {
        for book in [&step.book, &step.window] {
            let mut book = lock(book);
            for c in &calls {
                if let Some(us) = c.latency_us {
                    book.record(c.op, us, c.phase == Phase::Info);
                }
            }
            book.record_order(order_us);
        }
        let refused = calls.iter().filter(|c| c.phase == Phase::Fail).count() as u64;
        step.refused.fetch_add(refused, Ordering::Relaxed);
    }
    let mut orders: Vec<&str> = calls
        .iter()
        .filter(|c| c.op == Op::CreateOrder && c.phase == Phase::Ok)
        .filter_map(|c| c.seen.order_id.as_deref())
        .collect();
    orders.sort();
    orders.dedup();
    if let Some(endpoint) = load.target.fleet().and_then(|f| f.endpoint(cell.pg)) {
        let payments = orders.iter().flat_map(|o| endpoint.fake.ledger().forget_order(o)).collect();
        order_history.events.push(Event::Ledger(LedgerSnapshot { pg: cell.pg, payments }));
    }
    // The order's end delimits it in the history, so readers can take it order by order.
    order_history.events.push(Event::CellEnd(cell.clone()));
    order_history.events.push(Event::End(RunEnd { finished_at: String::new(), partial: false }));
    let verdict = check::check_calls(&order_history, &calls, std::slice::from_ref(scenario));
    let failed = !verdict.violations.is_empty();
    lock(&step.found).add(verdict);
    {
        let mut converged = lock(&step.converged);
        for c in order_history.convergences() {
            converged.add(c);
        }
    }
    let rows = settle::rows_of(&order_history, &calls);
    if !failed && cell.repeat % BODIES_SAMPLED != 0 {
        drop_bodies(&mut order_history.events);
    }
    let events = &order_history.events[1..order_history.events.len() - 1];
    if let Some(files) = lock(&load.files).as_mut() {
        files.events(events);
        files.rows(&rows);
    }
}

/// Drops the bodies and raw exchanges of an order's calls (what evidence is made of), keeping
/// every field the checkers and the settlement read.
fn drop_bodies(events: &mut [Event]) {
    for event in events {
        if let Event::Call(call) = event {
            if let Some(request) = call.request.as_mut() {
                request.body.clear();
            }
            if let Some(response) = call.response.as_mut() {
                response.body.clear();
            }
            call.exchanges.clear();
        }
    }
}

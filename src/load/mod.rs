//! The `load` driver, on goose: an open arrival rate of orders (each with a scheduled start),
//! one goose transaction per scenario instance with each op a named request, every instance
//! checked against the PG ledgers as it finishes and streamed to disk (memory stays flat),
//! SLO gates, a capacity search, and shards that merge.

pub mod latency;
pub mod merge;
pub mod pacing;
pub mod slo;

use crate::check::{self, Violation};
use crate::exec::ExecContext;
use crate::exit::{Exit, Fatal};
use crate::fakes::{FakeFleet, MockConfig, ServerKind};
use crate::history::{self, Event, History, LedgerSnapshot, Phase, Recorder, RunEnd, RunInfo};
use crate::pg::PgName;
use crate::platform::{Defect, PlatformConfig};
use crate::settlement::{self, SettlementRow, SummaryRow};
use crate::spec::{self, Op, Profile, Scenario};
use crate::stack::{Stack, StackConfig};
use crate::target::{self, PlatformTarget, Target, Transport};
use crate::units::Rate;
use goose::config::GooseConfiguration;
use goose::prelude::*;
use latency::LatencyBook;
use pacing::{Schedule, ON_TIME};
use serde::{Deserialize, Serialize};
use slo::Slo;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    pub target: Option<String>,
    pub profile: Option<PathBuf>,
    pub allow_remote: bool,
    pub out: PathBuf,
    /// `(i, n)`: this process is shard i of n (1-based).
    pub shard: Option<(u32, u32)>,
    pub pgs: Vec<PgName>,
    pub error_rate: Option<f64>,
    pub timeout_rate: Option<f64>,
    pub latency: Option<(Duration, Duration)>,
    pub pg_timeout: Duration,
    pub defects: Vec<Defect>,
    pub mocks_dir: Option<PathBuf>,
    pub scenarios_dir: Option<PathBuf>,
    pub goose: GooseConfiguration,
}

/// A scenario mix: names with weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Mix(pub Vec<(String, u32)>);

/// Parses `FULL_FLOW=6,PARTIAL_CANCEL=2`.
pub fn parse_mix(text: &str) -> Result<Mix, String> {
    let mut mix = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, weight) = part.split_once('=').unwrap_or((part, "1"));
        let weight: u32 = weight
            .trim()
            .parse()
            .ok()
            .filter(|w| *w > 0)
            .ok_or_else(|| format!("--mix `{part}`: the weight must be a positive whole number"))?;
        mix.push((name.trim().to_string(), weight));
    }
    if mix.is_empty() {
        return Err("--mix names no scenario".into());
    }
    Ok(Mix(mix))
}

/// Parses `3/4` (shard 3 of 4).
pub fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let (i, n) = text.split_once('/').ok_or_else(|| format!("--shard `{text}`: write it as i/N, e.g. 1/4"))?;
    let (i, n): (u32, u32) = (
        i.trim().parse().map_err(|_| format!("--shard `{text}`: i is not a number"))?,
        n.trim().parse().map_err(|_| format!("--shard `{text}`: N is not a number"))?,
    );
    if n == 0 || i == 0 || i > n {
        return Err(format!("--shard `{text}`: need 1 ≤ i ≤ N"));
    }
    Ok((i, n))
}

/// Everything shared by every order of the load run.
struct Shared {
    run_id: String,
    target: Target,
    stack: Option<Stack>,
    fleet: Option<FakeFleet>,
    scenarios: Vec<Scenario>,
    weights: Vec<u32>,
    pgs: Vec<PgName>,
    info: RunInfo,
    shard: Option<(u32, u32)>,
    sink: Mutex<Sink>,
}

impl Shared {
    fn fleet(&self) -> Option<&FakeFleet> {
        self.stack.as_ref().map(|s| &s.fleet).or(self.fleet.as_ref())
    }
}

/// Where finished orders go: the history and the settlement rows, streamed.
struct Sink {
    history: std::io::BufWriter<std::fs::File>,
    settlement: csv::Writer<std::fs::File>,
    summary: BTreeMap<(String, String), SummaryRow>,
    error: Option<String>,
}

/// One step of load at one rate.
struct Step {
    index: u32,
    schedule: Schedule,
    book: Mutex<LatencyBook>,
    late: AtomicU64,
    started: AtomicU64,
    completed: AtomicU64,
    violations: Mutex<(u64, Vec<Violation>)>,
    by_invariant: Mutex<BTreeMap<String, u64>>,
}

/// What one step measured.
#[derive(Debug, Clone)]
pub struct StepResult {
    pub index: u32,
    pub scheduled_per_min: f64,
    pub achieved_per_min: f64,
    pub scheduled: u64,
    pub started: u64,
    pub completed: u64,
    pub late: u64,
    pub violations: u64,
    pub first_violations: Vec<Violation>,
    /// Violations per invariant id (and `expectation`).
    pub by_invariant: BTreeMap<String, u64>,
    pub book: LatencyBook,
    pub slo_broken: Vec<String>,
    pub goose_failed: Option<String>,
    pub seconds: f64,
}

impl StepResult {
    pub fn on_time_share(&self) -> f64 {
        if self.started == 0 {
            1.0
        } else {
            1.0 - self.late as f64 / self.started as f64
        }
    }

    pub fn passed(&self) -> bool {
        self.violations == 0 && self.slo_broken.is_empty() && self.goose_failed.is_none()
    }

    /// Whether this rate held, for the capacity search: passed, with at least 99% of the
    /// orders started on time (an open-model rate the harness could not keep is not a rate held).
    pub fn held(&self) -> bool {
        self.passed() && self.on_time_share() >= 0.99
    }
}

/// What `load.json` keeps for `merge`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedLoad {
    pub run_id: String,
    pub shard: Option<(u32, u32)>,
    pub scheduled_per_min: f64,
    pub seconds: f64,
    pub scheduled: u64,
    pub started: u64,
    pub completed: u64,
    pub late: u64,
    pub violations: u64,
    pub book: latency::SavedBook,
    pub slo: String,
}

/// What a load run produced.
pub struct LoadOutcome {
    pub steps: Vec<StepResult>,
    pub best_rate: Option<f64>,
    pub summary: String,
    pub run_dir: PathBuf,
    pub exit: Exit,
}

/// Sends requests through the goose user running this order.
struct GooseTransport<'u> {
    user: tokio::sync::Mutex<&'u mut GooseUser>,
}

impl Transport for GooseTransport<'_> {
    fn send(
        &self,
        op: Op,
        request: reqwest::RequestBuilder,
    ) -> futures::future::BoxFuture<'_, Result<reqwest::Response, String>> {
        Box::pin(async move {
            let mut user = self.user.lock().await;
            let goose_request = GooseRequest::builder().set_request_builder(request).name(op.as_str()).build();
            match user.request(goose_request).await {
                Ok(mut answer) => {
                    // A refusal (4xx) is a definite answer, not a failed request.
                    let refused = answer.response.as_ref().is_ok_and(|r| r.status().is_client_error());
                    if refused {
                        let _ = user.set_success(&mut answer.request);
                    }
                    answer.response.map_err(|e| target::describe_error(&e))
                }
                Err(e) => Err(format!("goose could not send the request: {e}")),
            }
        })
    }
}

async fn run_order(shared: &Shared, step: &Step, user: &mut GooseUser) {
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
    let scenario = &shared.scenarios[pacing::pick(&shared.weights, slot.n)];
    let pg = shared.pgs[(slot.n % shared.pgs.len() as u64) as usize];
    // Instance numbers are unique across steps and shards, so merged histories keep them apart.
    let (shard_i, shard_n) = shared.shard.unwrap_or((1, 1));
    let instance = (step.index as u64 - 1) * 100_000_000 + slot.n * shard_n as u64 + shard_i as u64;
    let cell = history::Cell { scenario: scenario.name.clone(), pg, repeat: instance as u32 };
    let recorder = match Recorder::new(None, true) {
        Ok(r) => r,
        Err(_) => return,
    };
    let transport = GooseTransport { user: tokio::sync::Mutex::new(user) };
    let run_id = format!("{}.{}", shared.run_id, step.index);
    let ctx = ExecContext {
        run_id: &run_id,
        target: &shared.target,
        fleet: shared.fleet(),
        recorder: &recorder,
        transport: Some(&transport),
    };
    ctx.run_cell(scenario, &cell).await;
    let order_us = slot.scheduled.elapsed().as_micros() as u64;
    let events = recorder.finish().map(|h| h.events).unwrap_or_default();
    absorb(shared, step, slot.measured, scenario, &cell, events, order_us);
    step.completed.fetch_add(1, Ordering::Relaxed);
}

/// Checks one finished order against the ledger, measures it, streams it out, and lets the
/// fakes forget it.
fn absorb(
    shared: &Shared,
    step: &Step,
    measured: bool,
    scenario: &Scenario,
    cell: &history::Cell,
    events: Vec<Event>,
    order_us: u64,
) {
    let mut mini = History { events: Vec::with_capacity(events.len() + 3) };
    mini.events.push(Event::Run(shared.info.clone()));
    mini.events.extend(events);
    let calls = mini.calls();
    if measured {
        let mut book = step.book.lock().unwrap_or_else(|p| p.into_inner());
        for c in &calls {
            if let Some(us) = c.latency_us {
                book.record(c.op, us, c.phase == Phase::Info);
            }
        }
        book.record_order(order_us);
    }
    let mut orders: Vec<String> = calls
        .iter()
        .filter(|c| c.op == Op::CreateOrder && c.phase == Phase::Ok)
        .filter_map(|c| c.seen.order_id.clone())
        .collect();
    orders.sort();
    orders.dedup();
    if let Some(endpoint) = shared.fleet().and_then(|f| f.endpoint(cell.pg)) {
        let payments = orders.iter().flat_map(|o| endpoint.fake.ledger().forget_order(o)).collect();
        mini.events.push(Event::Ledger(LedgerSnapshot { pg: cell.pg, payments }));
    }
    mini.events.push(Event::End(RunEnd { finished_at: history::now(), partial: false }));
    let verdict = check::check(&mini, std::slice::from_ref(scenario));
    if !verdict.violations.is_empty() {
        let mut v = step.violations.lock().unwrap_or_else(|p| p.into_inner());
        v.0 += verdict.violations.len() as u64;
        let mut counts = step.by_invariant.lock().unwrap_or_else(|p| p.into_inner());
        for violation in &verdict.violations {
            *counts.entry(violation.invariant.clone()).or_default() += 1;
        }
        let room = 200usize.saturating_sub(v.1.len());
        v.1.extend(verdict.violations.into_iter().take(room));
    }
    let rows = settlement::rows(&mini);
    let mut sink = shared.sink.lock().unwrap_or_else(|p| p.into_inner());
    sink.write(&mini.events[1..mini.events.len() - 1], &rows);
}

impl Sink {
    fn write(&mut self, events: &[Event], rows: &[SettlementRow]) {
        for e in events {
            let line = serde_json::to_string(e).map_err(std::io::Error::other);
            if let Err(err) = line.and_then(|l| writeln!(self.history, "{l}")) {
                self.error.get_or_insert_with(|| format!("cannot write the history: {err}"));
            }
        }
        for r in rows {
            if let Err(err) = self.settlement.serialize(r) {
                self.error.get_or_insert_with(|| format!("cannot write the settlement CSV: {err}"));
            }
            for s in settlement::summary(std::slice::from_ref(r)) {
                let entry =
                    self.summary.entry((s.pg.clone(), s.settlement_date.clone())).or_insert_with(|| SummaryRow {
                        approvals_count: 0,
                        approvals_sum: 0,
                        cancels_count: 0,
                        cancels_sum: 0,
                        net: 0,
                        ..s.clone()
                    });
                entry.approvals_count += s.approvals_count;
                entry.approvals_sum += s.approvals_sum;
                entry.cancels_count += s.cancels_count;
                entry.cancels_sum += s.cancels_sum;
                entry.net += s.net;
            }
        }
    }
}

/// Runs one step: goose drives the users, the schedule drives the orders.
/// One step to run: its number, rate, times, and the name of its goose reports.
struct StepPlan<'a> {
    index: u32,
    rate: Rate,
    warmup: Duration,
    duration: Duration,
    run_dir: &'a Path,
    name: String,
}

async fn run_step(shared: &Arc<Shared>, opts: &LoadOptions, plan: StepPlan<'_>) -> Result<StepResult, Fatal> {
    let StepPlan { index, rate, warmup, duration, run_dir, name } = plan;
    let per_second = rate.per_second() / opts.shard.map_or(1.0, |(_, n)| n as f64);
    let lead = Duration::from_secs(1);
    let step = Arc::new(Step {
        index,
        schedule: Schedule::new(per_second, warmup, duration, lead),
        book: Mutex::new(LatencyBook::default()),
        late: AtomicU64::new(0),
        started: AtomicU64::new(0),
        completed: AtomicU64::new(0),
        violations: Mutex::new((0, Vec::new())),
        by_invariant: Mutex::new(BTreeMap::new()),
    });
    let mut config = opts.goose.clone();
    let host = match &shared.target {
        Target::Platform(p) => p.base_url().to_string(),
        Target::Direct(_) => String::new(),
    };
    config.host.get_or_insert(host);
    let users = config.users.unwrap_or_else(|| ((per_second * 1.5).ceil() as usize).clamp(16, 4000));
    config.users = Some(users);
    config.increase_rate.get_or_insert_with(|| users.to_string());
    let drain = opts.pg_timeout * 3 + Duration::from_secs(3);
    config.run_time.get_or_insert_with(|| format!("{}s", (lead + warmup + duration + drain).as_secs() + 1));
    // Goose's per-second percentiles grow with the run: keep them for short runs only.
    if warmup + duration > Duration::from_secs(120) {
        config.no_percentiles_over_time = true;
    }
    config.no_telnet = true;
    config.no_websocket = true;
    config.quiet = config.quiet.max(1);
    if config.verbose == 0 {
        config.no_print_metrics = true;
    }
    if config.report_file.is_empty() {
        config.report_file = vec![
            run_dir.join(format!("goose-{name}.html")).display().to_string(),
            run_dir.join(format!("goose-{name}.json")).display().to_string(),
        ];
    }
    let tx_shared = shared.clone();
    let tx_step = step.clone();
    let transaction = Transaction::new(Arc::new(move |user: &mut GooseUser| {
        let shared = tx_shared.clone();
        let step = tx_step.clone();
        Box::pin(async move {
            run_order(&shared, &step, user).await;
            Ok(())
        })
    }))
    .set_name("order");
    let started = Instant::now();
    let attack = GooseAttack::initialize_with_config(config)
        .map_err(|e| Fatal::bad_input(format!("goose settings: {e}")))?
        .register_scenario(goose::goose::Scenario::new("orders").register_transaction(transaction));
    let goose_failed = match attack.execute().await {
        Ok(_) => None,
        Err(goose::GooseError::ThresholdsFailed { .. }) => {
            Some("a goose --threshold failed (see the goose report)".to_string())
        }
        Err(e) => return Err(Fatal::unreachable(format!("goose could not run the load: {e}"))),
    };
    // Orders still in flight when goose stopped finish now; wait briefly for them.
    let settle_until = Instant::now() + opts.pg_timeout * 2 + Duration::from_secs(2);
    while step.completed.load(Ordering::Relaxed) < step.started.load(Ordering::Relaxed) && Instant::now() < settle_until
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seconds = (warmup + duration).as_secs_f64();
    let book = step.book.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let (violations, first) = step.violations.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let completed = step.completed.load(Ordering::Relaxed);
    let measured_orders = book.order.len();
    let result = StepResult {
        index,
        scheduled_per_min: per_second * 60.0,
        achieved_per_min: measured_orders as f64 / duration.as_secs_f64().max(0.001) * 60.0,
        scheduled: step.schedule.total,
        started: step.started.load(Ordering::Relaxed),
        completed,
        late: step.late.load(Ordering::Relaxed),
        violations,
        first_violations: first,
        by_invariant: step.by_invariant.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        slo_broken: opts.slo.broken(&book),
        book,
        goose_failed,
        seconds: seconds.max(started.elapsed().as_secs_f64().min(seconds)),
    };
    Ok(result)
}

fn new_run_id(shard: Option<(u32, u32)>) -> String {
    let now = time::OffsetDateTime::now_utc();
    let base = format!(
        "load-{:04}{:02}{:02}-{:02}{:02}{:02}-{:04x}",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        fastrand::u32(..) & 0xffff
    );
    match shard {
        Some((i, n)) => format!("{base}-shard{i}of{n}"),
        None => base,
    }
}

/// Runs the load (or the capacity search) and writes every report.
pub async fn run(opts: &LoadOptions) -> Result<LoadOutcome, Fatal> {
    let all = spec::resolve_scenarios(opts.scenarios_dir.as_deref())?;
    let mut scenarios = Vec::new();
    let mut weights = Vec::new();
    for (name, weight) in &opts.mix {
        let s = all.iter().find(|s| s.name.eq_ignore_ascii_case(name)).ok_or_else(|| {
            let known: Vec<_> = all.iter().map(|s| s.name.as_str()).collect();
            Fatal::bad_input(format!("--mix {name}: no such scenario (known: {})", known.join(", ")))
        })?;
        scenarios.push(s.clone());
        weights.push(*weight);
    }
    let mut mocks = MockConfig::resolve(opts.mocks_dir.as_deref())?;
    if !opts.pgs.is_empty() {
        mocks.retain(|m| opts.pgs.contains(&m.pg));
    }
    for m in &mut mocks {
        if let Some(r) = opts.error_rate {
            m.faults.error_rate = r;
        }
        if let Some(r) = opts.timeout_rate {
            m.faults.timeout_rate = r;
        }
        if let Some((min, max)) = opts.latency {
            m.faults.latency_min = min;
            m.faults.latency_max = max;
        }
    }
    let pgs: Vec<PgName> = mocks.iter().map(|m| m.pg).collect();
    if pgs.is_empty() {
        return Err(Fatal::bad_input("no PG to load (check --pg and the mocks folder)"));
    }
    let run_id = new_run_id(opts.shard);
    let run_dir = opts.out.join(&run_id);
    std::fs::create_dir_all(&run_dir)
        .map_err(|e| Fatal::bad_input(format!("cannot create the report folder {} (--out): {e}", run_dir.display())))?;

    let client_timeout = opts.pg_timeout * 3 + Duration::from_secs(5);
    let (target, stack, fleet, description) = match &opts.target {
        None => {
            let config = StackConfig {
                mocks,
                server: ServerKind::Lean,
                fixed_ports: false,
                platform: PlatformConfig {
                    pg_timeout: opts.pg_timeout,
                    defects: opts.defects.clone(),
                    id_prefix: opts.shard.map_or("ord".to_string(), |(i, n)| format!("s{i}of{n}")),
                    ..PlatformConfig::new(Vec::new())
                },
            };
            let stack = Stack::start(config).await.map_err(Fatal::unreachable)?;
            let url = stack.platform.url();
            let t = Target::Platform(PlatformTarget::new(&url, Profile::reference(), client_timeout));
            (t, Some(stack), None, format!("embedded reference platform {url}"))
        }
        Some(url) => {
            target::check_loopback(url, opts.allow_remote).map_err(Fatal::bad_input)?;
            if !opts.defects.is_empty() {
                return Err(Fatal::bad_input(
                    "--defect applies to the embedded platform; start `paydrill serve --defect` instead",
                ));
            }
            let profile_path = opts
                .profile
                .as_ref()
                .ok_or_else(|| Fatal::bad_input("--target needs --profile FILE describing the platform's API"))?;
            let profile = Profile::load(profile_path)?;
            target::reachable(url, Duration::from_secs(3)).await.map_err(Fatal::unreachable)?;
            let fleet = FakeFleet::start(mocks, ServerKind::Lean, true).await.map_err(Fatal::unreachable)?;
            for e in fleet.endpoints() {
                eprintln!("  PG fake {:<10} {}", e.pg().as_str(), e.base_url);
            }
            (Target::Platform(PlatformTarget::new(url, profile, client_timeout)), None, Some(fleet), url.clone())
        }
    };
    let history_file = std::fs::File::create(run_dir.join(".history.jsonl.tmp"))
        .map_err(|e| Fatal::bad_input(format!("cannot write in {}: {e}", run_dir.display())))?;
    let settlement_file = std::fs::File::create(run_dir.join(".settlement.csv.tmp"))
        .map_err(|e| Fatal::bad_input(format!("cannot write in {}: {e}", run_dir.display())))?;
    let info = RunInfo {
        run_id: run_id.clone(),
        started_at: history::now(),
        mode: "load".into(),
        target: description,
        profile: "reference".into(),
        scenarios: scenarios.iter().map(|s| s.name.clone()).collect(),
        pgs: pgs.clone(),
        repeat: 1,
        pg_observable: stack.is_some() || fleet.is_some(),
        random_faults: opts.error_rate.is_some_and(|r| r > 0.0) || opts.timeout_rate.is_some_and(|r| r > 0.0),
    };
    let mut history = std::io::BufWriter::new(history_file);
    let _ = writeln!(history, "{}", serde_json::to_string(&Event::Run(info.clone())).unwrap_or_default());
    let shared = Arc::new(Shared {
        run_id: run_id.clone(),
        target,
        stack,
        fleet,
        scenarios,
        weights,
        pgs,
        info,
        shard: opts.shard,
        sink: Mutex::new(Sink {
            history,
            settlement: csv::WriterBuilder::new().has_headers(true).from_writer(settlement_file),
            summary: BTreeMap::new(),
            error: None,
        }),
    });

    let mut steps = Vec::new();
    let mut best_rate = None;
    if opts.find_capacity {
        let mut good: Option<f64> = None;
        let mut bad: Option<f64> = None;
        let mut rate = opts.rate.per_minute;
        let mut index = 0;
        while index < 12 {
            index += 1;
            eprintln!("capacity step {index}: {:.0} orders/min for {:?}", rate, opts.step_duration);
            let plan = StepPlan {
                index,
                rate: Rate { per_minute: rate },
                warmup: Duration::ZERO,
                duration: opts.step_duration,
                run_dir: &run_dir,
                name: format!("step{index}"),
            };
            let r = run_step(&shared, opts, plan).await?;
            let ok = r.held();
            eprintln!(
                "  achieved {:.0}/min, on time {:.2}%, p99 {:.1} ms, violations {}, SLO {}",
                r.achieved_per_min,
                r.on_time_share() * 100.0,
                slo::Figures::percentile_us(&r.book, None, 99.0).unwrap_or(0) as f64 / 1000.0,
                r.violations,
                if r.slo_broken.is_empty() { "met".to_string() } else { r.slo_broken.join("; ") }
            );
            steps.push(r);
            if ok {
                good = Some(rate);
            } else {
                bad = Some(rate);
            }
            rate = match (good, bad) {
                (Some(g), None) if g * 2.0 <= opts.max_rate.per_minute => g * 2.0,
                (Some(_), None) => break,
                (None, Some(b)) if b / 2.0 >= 60.0 => b / 2.0,
                (None, Some(_)) => break,
                (Some(g), Some(b)) if (b - g) / b > 0.08 => (g + b) / 2.0,
                _ => break,
            };
        }
        best_rate = good;
    } else {
        eprintln!(
            "paydrill load {run_id}: {:.0} orders/min{} for {:?} (+{:?} warm-up)",
            opts.rate.per_minute,
            opts.shard.map_or(String::new(), |(i, n)| format!(" in all, this is shard {i}/{n}")),
            opts.duration,
            opts.warmup
        );
        let plan = StepPlan {
            index: 1,
            rate: opts.rate,
            warmup: opts.warmup,
            duration: opts.duration,
            run_dir: &run_dir,
            name: "load".into(),
        };
        steps.push(run_step(&shared, opts, plan).await?);
    }

    let sink_error = {
        let mut sink = shared.sink.lock().unwrap_or_else(|p| p.into_inner());
        let end = Event::End(RunEnd { finished_at: history::now(), partial: false });
        let _ = writeln!(sink.history, "{}", serde_json::to_string(&end).unwrap_or_default());
        let flushed = sink.history.flush().and_then(|_| sink.settlement.flush());
        sink.error.clone().or(flushed.err().map(|e| e.to_string()))
    };
    if let Some(e) = sink_error {
        return Err(Fatal::bad_input(e));
    }
    for name in ["history.jsonl", "settlement.csv"] {
        std::fs::rename(run_dir.join(format!(".{name}.tmp")), run_dir.join(name))
            .map_err(|e| Fatal::bad_input(format!("cannot write {name} in {}: {e}", run_dir.display())))?;
    }
    let summary_rows: Vec<SummaryRow> =
        shared.sink.lock().unwrap_or_else(|p| p.into_inner()).summary.values().cloned().collect();
    let report =
        crate::report::load::LoadReport { run_id: &run_id, opts, steps: &steps, best_rate, settlement: &summary_rows };
    let summary = crate::report::load::write_all(&run_dir, &report)
        .map_err(|e| Fatal::bad_input(format!("cannot write the reports in {}: {e}", run_dir.display())))?;
    if let Some(last) = steps.last() {
        let saved = SavedLoad {
            run_id: run_id.clone(),
            shard: opts.shard,
            scheduled_per_min: last.scheduled_per_min,
            seconds: opts.duration.as_secs_f64(),
            scheduled: last.scheduled,
            started: last.started,
            completed: last.completed,
            late: last.late,
            violations: last.violations,
            book: last.book.to_saved(),
            slo: opts.slo.terms.iter().map(|t| t.text.clone()).collect::<Vec<_>>().join(","),
        };
        let json = serde_json::to_string_pretty(&saved).unwrap_or_default();
        crate::report::write_atomic(&run_dir, "load.json", json.as_bytes())
            .map_err(|e| Fatal::bad_input(format!("cannot write load.json: {e}")))?;
    }
    let _ = crate::report::link_latest(&opts.out, &run_dir);
    let failed = if opts.find_capacity { best_rate.is_none() } else { steps.iter().any(|s| !s.passed()) };
    Ok(LoadOutcome { steps, best_rate, summary, run_dir, exit: if failed { Exit::Failed } else { Exit::Held } })
}

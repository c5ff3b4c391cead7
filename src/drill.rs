//! The `run` driver: starts the target (the embedded platform and fakes, or an outside
//! platform with the fakes on fixed ports), runs every scenario × PG × repeat concurrently,
//! collects the history, checks it, and writes the reports. Emits progress events; prints nothing.

use crate::check::{self, Verdict};
use crate::direct::DirectTarget;
use crate::exec::ExecContext;
use crate::exit::{Exit, Fatal};
use crate::fakes::{FakeFleet, MockConfig, ServerKind};
use crate::history::{self, Cell, Event, History, LedgerSnapshot, PgRequest, Recorder, RunEnd, RunInfo};
use crate::pg::PgClient;
use crate::pg::PgName;
use crate::platform::PlatformConfig;
use crate::report::{self, ReportInput};
use crate::spec::{self, Profile, Scenario};
use crate::stack::{Stack, StackConfig};
use crate::target::{self, PlatformTarget, Target};
use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// An outside platform; `None` runs the embedded one.
    pub target: Option<String>,
    /// Straight at the PGs, no platform.
    pub direct: bool,
    pub profile: Option<PathBuf>,
    pub allow_remote: bool,
    /// Only these scenarios (by name); empty means all.
    pub scenarios: Vec<String>,
    /// Only these PGs; empty means every PG with a mock.
    pub pgs: Vec<PgName>,
    pub repeat: u32,
    /// Where run folders go (`reports/`).
    pub out: PathBuf,
    pub scenarios_dir: Option<PathBuf>,
    pub mocks_dir: Option<PathBuf>,
    /// The embedded platform's PG timeout.
    pub pg_timeout: Duration,
    /// Fault rates applied to every fake on top of the scripted faults.
    pub error_rate: Option<f64>,
    pub timeout_rate: Option<f64>,
    /// How many cells run at once.
    pub concurrency: usize,
    /// Bugs to switch on in the embedded platform.
    pub defects: Vec<crate::platform::Defect>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            target: None,
            direct: false,
            profile: None,
            allow_remote: false,
            scenarios: Vec::new(),
            pgs: Vec::new(),
            repeat: 1,
            out: PathBuf::from("reports"),
            scenarios_dir: None,
            mocks_dir: None,
            pg_timeout: Duration::from_secs(1),
            error_rate: None,
            timeout_rate: None,
            concurrency: 128,
            defects: Vec::new(),
        }
    }
}

/// Progress, for whoever displays it.
#[derive(Debug, Clone)]
pub enum DrillEvent {
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
}

/// What a run produced.
pub struct RunOutcome {
    pub verdict: Verdict,
    pub summary: String,
    pub run_dir: PathBuf,
    pub exit: Exit,
}

fn new_run_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    let tag = fastrand::u32(..) & 0xffff;
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}-{tag:04x}",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// Picks the scenarios named in `wanted` (all when empty).
pub fn select_scenarios(all: Vec<Scenario>, wanted: &[String]) -> Result<Vec<Scenario>, Fatal> {
    if wanted.is_empty() {
        return Ok(all);
    }
    let known: Vec<_> = all.iter().map(|s| s.name.clone()).collect();
    for w in wanted {
        if !known.iter().any(|k| k.eq_ignore_ascii_case(w)) {
            return Err(Fatal::bad_input(format!("--scenario {w}: no such scenario (known: {})", known.join(", "))));
        }
    }
    Ok(all.into_iter().filter(|s| wanted.iter().any(|w| w.eq_ignore_ascii_case(&s.name))).collect())
}

/// The running target and what the run needs to know about it.
struct Started {
    target: Target,
    fleet: Option<FakeFleet>,
    stack: Option<Stack>,
    description: String,
    profile: String,
    notes: Vec<String>,
}

impl Started {
    fn fleet(&self) -> Option<&FakeFleet> {
        self.stack.as_ref().map(|s| &s.fleet).or(self.fleet.as_ref())
    }
}

async fn start_target(opts: &RunOptions, mocks: Vec<MockConfig>, run_id: &str) -> Result<Started, Fatal> {
    let client_timeout = opts.pg_timeout + Duration::from_secs(10);
    if opts.direct {
        if opts.target.is_some() || opts.profile.is_some() || !opts.defects.is_empty() {
            return Err(Fatal::bad_input(
                "--direct drills the PGs themselves: it takes no --target, --profile or --defect",
            ));
        }
        let fleet = FakeFleet::start(mocks, ServerKind::Wiremock, false).await.map_err(Fatal::unreachable)?;
        let clients = fleet
            .endpoints()
            .iter()
            .map(|e| PgClient::new(e.pg(), &e.base_url, e.credentials().clone()).with_timeout(opts.pg_timeout))
            .collect();
        return Ok(Started {
            target: Target::Direct(DirectTarget::new(run_id, clients)),
            fleet: Some(fleet),
            stack: None,
            description: "the PG fakes, directly".into(),
            profile: "direct".into(),
            notes: Vec::new(),
        });
    }
    match &opts.target {
        None => {
            let config = StackConfig {
                mocks,
                server: ServerKind::Wiremock,
                fixed_ports: false,
                platform: PlatformConfig {
                    pg_timeout: opts.pg_timeout,
                    defects: opts.defects.clone(),
                    ..PlatformConfig::new(Vec::new())
                },
            };
            let stack = Stack::start(config).await.map_err(Fatal::unreachable)?;
            let url = stack.platform.url();
            let profile = match &opts.profile {
                Some(p) => Profile::load(p)?,
                None => Profile::reference(),
            };
            Ok(Started {
                profile: profile.name.clone(),
                target: Target::Platform(PlatformTarget::new(&url, profile, client_timeout)),
                fleet: None,
                stack: Some(stack),
                description: format!("embedded reference platform {url}"),
                notes: Vec::new(),
            })
        }
        Some(url) => {
            target::check_loopback(url, opts.allow_remote).map_err(Fatal::bad_input)?;
            if !opts.defects.is_empty() {
                return Err(Fatal::bad_input(
                    "--defect applies to the embedded platform; start `paydrill serve --defect` instead",
                ));
            }
            let Some(profile_path) = &opts.profile else {
                return Err(Fatal::bad_input(
                    "--target needs --profile FILE describing the platform's API (scenarios/profiles/reference.toml for paydrill serve)",
                ));
            };
            let profile = Profile::load(profile_path)?;
            target::reachable(url, Duration::from_secs(3)).await.map_err(Fatal::unreachable)?;
            let fleet = FakeFleet::start(mocks, ServerKind::Wiremock, true).await.map_err(|e| {
                Fatal::unreachable(format!(
                    "{e} (is `paydrill serve` running with its own fakes? use `serve --no-fakes`)"
                ))
            })?;
            let mut notes =
                vec!["PG fakes for the target platform (configure it with these base URLs and the keys in mocks/):"
                    .to_string()];
            for e in fleet.endpoints() {
                notes.push(format!("  {:<10} {}", e.pg().as_str(), e.base_url));
            }
            Ok(Started {
                profile: profile.name.clone(),
                target: Target::Platform(PlatformTarget::new(url, profile, client_timeout)),
                fleet: Some(fleet),
                stack: None,
                description: url.clone(),
                notes,
            })
        }
    }
}

/// Runs the matrix and writes the reports. `on_event` sees progress as it happens.
pub async fn run(opts: &RunOptions, on_event: &(dyn Fn(DrillEvent) + Sync)) -> Result<RunOutcome, Fatal> {
    let scenarios = select_scenarios(spec::resolve_scenarios(opts.scenarios_dir.as_deref())?, &opts.scenarios)?;
    let mut mocks = MockConfig::resolve(opts.mocks_dir.as_deref())?;
    for pg in &opts.pgs {
        if !mocks.iter().any(|m| m.pg == *pg) {
            return Err(Fatal::bad_input(format!("--pg {pg}: no mock file for it")));
        }
    }
    if !opts.pgs.is_empty() {
        mocks.retain(|m| opts.pgs.contains(&m.pg));
    }
    if opts.repeat == 0 {
        return Err(Fatal::bad_input("--repeat must be at least 1"));
    }
    for m in &mut mocks {
        if let Some(rate) = opts.error_rate {
            m.faults.error_rate = rate;
        }
        if let Some(rate) = opts.timeout_rate {
            m.faults.timeout_rate = rate;
        }
    }
    let pgs: Vec<PgName> = mocks.iter().map(|m| m.pg).collect();
    let run_id = new_run_id();
    let run_dir = opts.out.join(&run_id);
    std::fs::create_dir_all(&run_dir)
        .map_err(|e| Fatal::bad_input(format!("cannot create the report folder {} (--out): {e}", run_dir.display())))?;

    let started = Instant::now();
    let target = start_target(opts, mocks, &run_id).await?;
    let history_tmp = run_dir.join(".history.jsonl.tmp");
    let recorder = Recorder::new(Some(&history_tmp), true)
        .map_err(|e| Fatal::bad_input(format!("cannot write {}: {e}", history_tmp.display())))?;
    recorder.record(Event::Run(RunInfo {
        run_id: run_id.clone(),
        started_at: history::now(),
        mode: if opts.direct { "direct" } else { "platform" }.into(),
        target: target.description.clone(),
        profile: target.profile.clone(),
        scenarios: scenarios.iter().map(|s| s.name.clone()).collect(),
        pgs: pgs.clone(),
        repeat: opts.repeat,
        pg_observable: target.fleet().is_some(),
        random_faults: opts.error_rate.is_some_and(|r| r > 0.0) || opts.timeout_rate.is_some_and(|r| r > 0.0),
    }));

    // Repetition-major order: at any moment every scenario and PG is in flight, so no single
    // fault scenario crowds out the rest (and trips the platform's breaker on its own).
    let mut cells: Vec<(Cell, &Scenario)> = Vec::new();
    for repeat in 1..=opts.repeat {
        for s in &scenarios {
            for pg in &pgs {
                cells.push((Cell { scenario: s.name.clone(), pg: *pg, repeat }, s));
            }
        }
    }
    let total = cells.len();
    on_event(DrillEvent::Started { run_id: run_id.clone(), cells: total, notes: target.notes.clone() });

    let ctx = ExecContext {
        run_id: &run_id,
        target: &target.target,
        fleet: target.fleet(),
        recorder: &recorder,
        transport: None,
    };
    let ctx = &ctx;
    let mut done = 0usize;
    let interrupted = {
        let mut runs = futures::stream::iter(cells.iter().map(|(cell, scenario)| async move {
            ctx.run_cell(scenario, cell).await;
            cell.clone()
        }))
        .buffer_unordered(opts.concurrency.max(1));
        let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
        loop {
            tokio::select! {
                next = runs.next() => match next {
                    Some(cell) => {
                        done += 1;
                        recorder.record(Event::CellEnd(cell.clone()));
                        on_event(DrillEvent::CellDone { cell, done, total });
                    }
                    None => break false,
                },
                _ = &mut ctrl_c => break true,
            }
        }
    };

    if let Some(fleet) = target.fleet() {
        for endpoint in fleet.endpoints() {
            recorder.record(Event::Ledger(LedgerSnapshot {
                pg: endpoint.pg(),
                payments: endpoint.fake.ledger().payments(),
            }));
            for r in endpoint.journal().await.unwrap_or_default() {
                recorder.record(Event::PgRequest(PgRequest {
                    pg: endpoint.pg(),
                    method: r.method,
                    path: r.path,
                    body: crate::target::cap(crate::pg::redact(
                        &String::from_utf8_lossy(&r.body),
                        &endpoint.credentials().secret,
                    )),
                }));
            }
        }
    }
    recorder.record(Event::End(RunEnd { finished_at: history::now(), partial: interrupted }));
    let history = recorder.finish().map_err(Fatal::bad_input)?;
    if !opts.defects.is_empty() {
        let names: Vec<_> = opts.defects.iter().map(|d| d.name()).collect();
        tracing::info!("defects switched on: {}", names.join(", "));
    }
    std::fs::rename(&history_tmp, run_dir.join("history.jsonl"))
        .map_err(|e| Fatal::bad_input(format!("cannot write the history in {}: {e}", run_dir.display())))?;
    let seconds = started.elapsed().as_secs_f64();
    drop(target);

    let (verdict, summary) = finish_reports(&history, &scenarios, &run_dir, &opts.out, seconds)?;
    let exit = if interrupted {
        Exit::Interrupted
    } else if verdict.passed() {
        Exit::Held
    } else {
        Exit::Failed
    };
    Ok(RunOutcome { verdict, summary, run_dir, exit })
}

/// Checks a finished history and writes every report next to it.
pub fn finish_reports(
    history: &History,
    scenarios: &[Scenario],
    run_dir: &Path,
    reports_root: &Path,
    seconds: f64,
) -> Result<(Verdict, String), Fatal> {
    let verdict = check::check(history, scenarios);
    let input = ReportInput { history, verdict: &verdict, seconds };
    let summary = report::write_all(run_dir, &input)
        .map_err(|e| Fatal::bad_input(format!("cannot write the reports in {}: {e}", run_dir.display())))?;
    if let Err(e) = report::link_latest(reports_root, run_dir) {
        tracing::warn!("could not point {}/latest at this run: {e}", reports_root.display());
    }
    Ok((verdict, summary))
}

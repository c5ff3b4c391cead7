//! `paydrill run`: the flags of the run driver, turned into its plain options; progress on the
//! terminal; the summary printed at the end.

use super::progress::CellProgress;
use crate::drive::run::{self as driver, RunEvent, RunOptions};
use crate::drive::setup::{FaultOverrides, TargetChoice};
use crate::exit::CommandResult;
use crate::pg::PgName;
use crate::units::parse_share;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  paydrill run                                   every scenario × every PG on the embedded platform\n  \
paydrill run --scenario FULL_FLOW --pg toss    one cell\n  \
paydrill run --repeat 50 --pg-timeout-rate 0.05 --pg-error-rate 0.05\n  \
paydrill run --target http://127.0.0.1:18080 --profile scenarios/profiles/reference.toml\n\n\
Reports land in reports/<run-id>/ and reports/latest: summary.md, junit.xml, settlement.csv,\n\
settlement-summary.csv, history.jsonl, report.html; for each violated invariant a minimal repro,\n\
repro/<invariant>-<n>.toml, replayed with `paydrill run --scenario-file FILE` (plus the --defect\n\
or --target flags it names)."
)]
pub struct RunArgs {
    /// Base URL of the platform to drill (default: start the embedded reference platform).
    #[arg(long, env = "PAYDRILL_TARGET", value_name = "URL")]
    pub target: Option<String>,
    /// Drive the scenarios straight at every PG through paydrill's own PG clients, no platform.
    #[arg(long, env = "PAYDRILL_DIRECT", conflicts_with_all = ["target", "profile", "defects"])]
    pub direct: bool,
    /// Profile mapping the ops onto the target's HTTP API (required with --target).
    #[arg(long, env = "PAYDRILL_PROFILE", value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Allow a --target that is not on loopback.
    #[arg(long, env = "PAYDRILL_ALLOW_REMOTE")]
    pub allow_remote: bool,
    /// With --target: host no PG fakes, for a platform that calls PGs of its own (their
    /// sandboxes, its own stubs). What the PGs did is then not observable, and the checks that
    /// compare the platform with the PGs say so.
    #[arg(long, env = "PAYDRILL_NO_FAKES", requires = "target")]
    pub no_fakes: bool,
    /// Only these scenarios (repeatable; default: all).
    #[arg(long = "scenario", env = "PAYDRILL_SCENARIO", value_delimiter = ',', value_name = "NAME")]
    pub scenarios: Vec<String>,
    /// Run this scenario file (repeatable) instead of a folder: a repro a run wrote
    /// (`reports/<run>/repro/*.toml`) or one of your own. A file's `pg = "..."` picks its PG.
    #[arg(long = "scenario-file", value_name = "FILE", conflicts_with_all = ["scenarios", "scenarios_dir"])]
    pub scenario_files: Vec<PathBuf>,
    /// How long to spend shrinking the violations into minimal repros (`repro/<invariant>-<n>.toml`
    /// in the run folder), all of them together: each candidate runs on a fresh target.
    #[arg(long, env = "PAYDRILL_SHRINK_TIME", default_value = "60s", value_parser = crate::units::parse_timeout)]
    pub shrink_time: Duration,
    /// Write no repros: report the violations as found.
    #[arg(long, env = "PAYDRILL_NO_SHRINK")]
    pub no_shrink: bool,
    /// Only these PGs (repeatable; default: every PG).
    #[arg(long = "pg", env = "PAYDRILL_PG", value_delimiter = ',', value_name = "NAME")]
    pub pgs: Vec<PgName>,
    /// Run every scenario × PG cell this many times.
    #[arg(long, env = "PAYDRILL_REPEAT", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub repeat: u32,
    /// Folder for run reports.
    #[arg(long, env = "PAYDRILL_OUT", default_value = "reports", value_name = "DIR")]
    pub out: PathBuf,
    /// Folder of scenario files (default: ./scenarios if present, else the shipped ones).
    #[arg(long = "scenarios", env = "PAYDRILL_SCENARIOS", value_name = "DIR")]
    pub scenarios_dir: Option<PathBuf>,
    /// Folder of mock files (default: ./mocks if present, else the shipped ones).
    #[arg(long = "mocks", env = "PAYDRILL_MOCKS", value_name = "DIR")]
    pub mocks_dir: Option<PathBuf>,
    /// How long the embedded platform waits for a PG before the outcome counts as unknown.
    #[arg(long, env = "PAYDRILL_PG_TIMEOUT", default_value = "1s", value_parser = crate::units::parse_timeout)]
    pub pg_timeout: Duration,
    /// Share of PG calls (0.0–1.0) answered with the PG's internal error, on every fake.
    #[arg(long, env = "PAYDRILL_PG_ERROR_RATE", value_name = "RATE", value_parser = parse_share)]
    pub pg_error_rate: Option<f64>,
    /// Share of PG calls (0.0–1.0) held past the platform's timeout, on every fake.
    #[arg(long, env = "PAYDRILL_PG_TIMEOUT_RATE", value_name = "RATE", value_parser = parse_share)]
    pub pg_timeout_rate: Option<f64>,
    /// After an outcome that came back unknown (a timeout, a reset, a 5xx, an "unknown"
    /// answer), how long the platform may take to show what the PG's ledger holds: the order is
    /// read again, backing off, until it does (`converges-within` holds) or this passes.
    #[arg(long, env = "PAYDRILL_CONVERGE_WITHIN", default_value = "30s", value_parser = crate::units::parse_timeout)]
    pub converge_within: Duration,
    /// How many cells run at once (1 to 10000).
    #[arg(long, env = "PAYDRILL_CONCURRENCY", default_value_t = 128,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000))]
    pub concurrency: usize,
    /// Switch on a bug in the embedded reference platform (repeatable), to see a checker catch
    /// it: no-idempotency, racy-create, racy-cancel, double-charge-on-retry, ack-before-commit,
    /// stale-replay, wrong-cancel-sign, skip-pg-cancel, webhook-double-apply, no-inquiry,
    /// cancel-lost.
    #[arg(long = "defect", env = "PAYDRILL_DEFECT", value_delimiter = ',', value_name = "NAME")]
    pub defects: Vec<crate::platform::Defect>,
}

pub async fn run(args: RunArgs) -> CommandResult {
    let target = TargetChoice::from_flags(
        args.target.as_deref(),
        args.profile.as_deref(),
        args.direct,
        &args.defects,
        args.allow_remote,
        args.no_fakes,
    )?;
    let opts = RunOptions {
        target,
        scenarios: args.scenarios,
        pgs: args.pgs,
        repeat: args.repeat,
        out: args.out,
        scenarios_dir: args.scenarios_dir,
        mocks_dir: args.mocks_dir,
        pg_timeout: args.pg_timeout,
        faults: FaultOverrides { error_rate: args.pg_error_rate, timeout_rate: args.pg_timeout_rate, latency: None },
        concurrency: args.concurrency,
        converge_within: args.converge_within,
        scenario_files: args.scenario_files,
        shrink: (!args.no_shrink).then_some(args.shrink_time),
    };
    let progress = CellProgress::default();
    let on_event = |event: RunEvent| match event {
        RunEvent::Started { run_id, cells, notes } => {
            for n in notes {
                eprintln!("{n}");
            }
            eprintln!("paydrill run {run_id}: {cells} cells");
            progress.start(cells);
        }
        RunEvent::CellDone { cell, done, total } => progress.cell_done(&cell.to_string(), done, total),
        RunEvent::Shrinking { invariant, n, total } => {
            progress.finish();
            eprintln!("shrinking {n}/{total}: {invariant} to a minimal repro");
        }
    };
    let outcome = driver::run(&opts, &on_event).await;
    progress.finish();
    let outcome = outcome?;
    println!("{}", outcome.summary);
    println!("Reports: {}", outcome.run_dir.display());
    Ok(outcome.exit)
}

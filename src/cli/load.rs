//! `paydrill load` and `paydrill merge`: the flags of the load driver (goose's own flags
//! passed through), the mix and shard parsers, and the progress lines printed as steps run.

use crate::drive::load::{self as driver, LoadEvent, LoadOptions, DEFAULT_MIX};
use crate::drive::merge;
use crate::drive::setup::{FaultOverrides, TargetChoice};
use crate::exit::{CommandResult, Fatal};
use crate::measure::Slo;
use crate::pg::PgName;
use crate::units::{parse_duration, parse_rate, parse_share, Rate};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
#[command(disable_version_flag = true)]
#[command(after_help = "Examples:\n  paydrill load --rate 15000/min --duration 60s\n  \
paydrill load --rate 15000/min --duration 60s --slo \"p99<200ms,errors<0.1%\"\n  \
paydrill load --find-capacity --mix FULL_FLOW=1 --slo \"p99<200ms\"\n  \
paydrill load --rate 30000/min --shard 1/2   (then: paydrill merge reports/load-*-shard*)\n\n\
Every order has a scheduled start; latency counts from it, so queueing is not hidden. Goose's own\n\
flags (--users, --report-file, --threshold, ...) pass through; goose counts a 4xx refusal as a\n\
success (it is an answer), paydrill counts as errors only calls whose outcome stayed unknown.")]
pub struct LoadArgs {
    /// Arrival rate of orders (open model): 15000/min, 250/s.
    #[arg(long, env = "PAYDRILL_RATE", default_value = "15000/min", value_parser = parse_rate)]
    pub rate: Rate,
    /// How long orders arrive after the warm-up.
    #[arg(long, env = "PAYDRILL_DURATION", default_value = "60s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Orders that arrive first and are checked but not measured.
    #[arg(long, env = "PAYDRILL_WARMUP", default_value = "5s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Scenario mix by weight.
    #[arg(long, env = "PAYDRILL_MIX", default_value = DEFAULT_MIX, value_parser = parse_mix)]
    pub mix: Mix,
    /// Service-level objective, per op or overall: "p99<200ms,errors<0.1%,approve.p99<300ms".
    #[arg(long, env = "PAYDRILL_SLO", default_value = "", value_parser = Slo::parse)]
    pub slo: Slo,
    /// Step the rate up (doubling from --rate, then bisecting) until the SLO or an invariant
    /// breaks; report the highest rate that held.
    #[arg(long, env = "PAYDRILL_FIND_CAPACITY")]
    pub find_capacity: bool,
    /// Time per capacity step.
    #[arg(long, env = "PAYDRILL_STEP_DURATION", default_value = "20s", value_parser = parse_duration)]
    pub step_duration: Duration,
    /// The capacity search does not go past this rate.
    #[arg(long, env = "PAYDRILL_MAX_RATE", default_value = "600000/min", value_parser = parse_rate)]
    pub max_rate: Rate,
    /// Base URL of a platform to load (default: the embedded reference platform).
    #[arg(long, env = "PAYDRILL_TARGET", value_name = "URL")]
    pub target: Option<String>,
    /// Profile for --target.
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
    /// Folder for run reports.
    #[arg(long, env = "PAYDRILL_OUT", default_value = "reports", value_name = "DIR")]
    pub out: PathBuf,
    /// Run as shard i of N: 1/N of the rate, disjoint keys and order ids.
    #[arg(long, env = "PAYDRILL_SHARD", value_name = "i/N", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
    /// Only these PGs (repeatable; default: all).
    #[arg(long = "pg", env = "PAYDRILL_PG", value_delimiter = ',', value_name = "NAME")]
    pub pgs: Vec<PgName>,
    /// Share of PG calls answered with the PG's internal error.
    #[arg(long, env = "PAYDRILL_PG_ERROR_RATE", value_name = "RATE", value_parser = parse_share)]
    pub pg_error_rate: Option<f64>,
    /// Share of PG calls held past the platform's timeout.
    #[arg(long, env = "PAYDRILL_PG_TIMEOUT_RATE", value_name = "RATE", value_parser = parse_share)]
    pub pg_timeout_rate: Option<f64>,
    /// PG answer latency, uniform between two durations: "2ms..10ms" (or one value).
    #[arg(long, env = "PAYDRILL_PG_LATENCY", value_name = "MIN..MAX", value_parser = parse_latency)]
    pub pg_latency: Option<(Duration, Duration)>,
    /// How long the embedded platform waits for a PG.
    #[arg(long, env = "PAYDRILL_PG_TIMEOUT", default_value = "1s", value_parser = crate::units::parse_timeout)]
    pub pg_timeout: Duration,
    /// After an outcome that came back unknown (a timeout, a reset, a 5xx, an "unknown"
    /// answer), how long the platform may take to show what the PG's ledger holds: the order is
    /// read again, backing off, until it does (`converges-within` holds) or this passes.
    #[arg(long, env = "PAYDRILL_CONVERGE_WITHIN", default_value = "30s", value_parser = crate::units::parse_timeout)]
    pub converge_within: Duration,
    /// Switch on a bug in the embedded platform (repeatable).
    #[arg(long = "defect", env = "PAYDRILL_DEFECT", value_delimiter = ',', value_name = "NAME")]
    pub defects: Vec<crate::platform::Defect>,
    /// Folder of mock files.
    #[arg(long = "mocks", env = "PAYDRILL_MOCKS", value_name = "DIR")]
    pub mocks_dir: Option<PathBuf>,
    /// Folder of scenario files.
    #[arg(long = "scenario-dir", env = "PAYDRILL_SCENARIO_DIR", value_name = "DIR")]
    pub scenarios_dir: Option<PathBuf>,
    #[command(flatten)]
    pub goose: goose::config::GooseConfiguration,
}

fn parse_latency(text: &str) -> Result<(Duration, Duration), String> {
    match text.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (parse_duration(a)?, parse_duration(b)?);
            if a > b {
                return Err(format!("--pg-latency {text}: the minimum is above the maximum"));
            }
            Ok((a, b))
        }
        None => parse_duration(text).map(|d| (d, d)),
    }
}

/// A scenario mix: names with weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Mix(pub Vec<(String, u32)>);

/// Parses `FULL_FLOW=6,PARTIAL_CANCEL=2`.
fn parse_mix(text: &str) -> Result<Mix, String> {
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
fn parse_shard(text: &str) -> Result<(u32, u32), String> {
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

/// Goose flags that would fight paydrill's open arrival rate: each refused, naming what to use.
fn refuse_closed_model_flags(goose: &goose::config::GooseConfiguration) -> Result<(), Fatal> {
    let refused = [
        (
            goose.run_time.is_some(),
            "--run-time",
            "use --duration (and --warmup): paydrill sets goose's run time from them",
        ),
        (
            goose.iterations.is_some(),
            "--iterations",
            "an open arrival rate has no per-user loop count: the orders are --rate × --duration",
        ),
        (goose.scenarios.is_some(), "--scenarios", "use --mix to choose paydrill's scenarios and their weights"),
        (
            goose.decrease_rate.is_some() || goose.decrease_time.is_some(),
            "--decrease-rate/--decrease-time",
            "arrivals stop at the end of --duration and in-flight orders drain on their own",
        ),
    ];
    match refused.iter().find(|(given, _, _)| *given) {
        Some((_, flag, instead)) => Err(Fatal::bad_input(format!("{flag} is not taken by paydrill load: {instead}"))),
        None => Ok(()),
    }
}

pub async fn load(args: LoadArgs) -> CommandResult {
    refuse_closed_model_flags(&args.goose)?;
    let target = TargetChoice::from_flags(
        args.target.as_deref(),
        args.profile.as_deref(),
        false,
        &args.defects,
        args.allow_remote,
        args.no_fakes,
    )?;
    let opts = LoadOptions {
        rate: args.rate,
        duration: args.duration,
        warmup: args.warmup,
        mix: args.mix.0,
        slo: args.slo,
        find_capacity: args.find_capacity,
        step_duration: args.step_duration,
        max_rate: args.max_rate,
        target,
        out: args.out,
        shard: args.shard,
        pgs: args.pgs,
        faults: FaultOverrides {
            error_rate: args.pg_error_rate,
            timeout_rate: args.pg_timeout_rate,
            latency: args.pg_latency,
        },
        pg_timeout: args.pg_timeout,
        converge_within: args.converge_within,
        mocks_dir: args.mocks_dir,
        scenarios_dir: args.scenarios_dir,
        goose: args.goose,
    };
    let view = super::progress::LoadView::default();
    let on_event = |event: LoadEvent| match event {
        LoadEvent::Progress(p) => view.show(&p),
        LoadEvent::Started { run_id, notes } => {
            for n in notes {
                eprintln!("{n}");
            }
            eprintln!("paydrill load {run_id}");
        }
        LoadEvent::StepStarted { index, per_min, duration, warmup, capacity } => {
            if capacity {
                eprintln!("capacity step {index}: {per_min:.0} orders/min for {duration:?}");
            } else {
                eprintln!("{per_min:.0} orders/min for {duration:?} (+{warmup:?} warm-up)");
            }
        }
        LoadEvent::StepDone { figures: r } => {
            view.step_done();
            if let Some(warning) = r.rate_warning() {
                eprintln!("  WARNING: {warning}");
            }
            eprintln!(
                "  achieved {:.0}/min, on time {:.2}%, p99 {:.1} ms, violations {}, SLO {}",
                r.achieved_per_min,
                r.on_time_share() * 100.0,
                r.book.percentile_us(None, 99.0).unwrap_or(0) as f64 / 1000.0,
                r.found.violations,
                if r.slo_broken.is_empty() { "met".to_string() } else { r.slo_broken.join("; ") }
            )
        }
    };
    let outcome = driver::run(&opts, &on_event).await?;
    println!("{}", outcome.summary);
    println!("Reports: {}", outcome.run_dir.display());
    Ok(outcome.exit)
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  paydrill load --rate 30000/min --shard 1/2 &  paydrill load --rate 30000/min --shard 2/2\n  \
paydrill merge reports/load-*-shard1of2 reports/load-*-shard2of2"
)]
pub struct MergeArgs {
    /// The run folders of the shards (each has load.json and history.jsonl).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Folder for the merged summary.
    #[arg(long, env = "PAYDRILL_MERGE_OUT", default_value = "reports/merged", value_name = "DIR")]
    pub out: PathBuf,
}

pub fn merge(args: MergeArgs) -> CommandResult {
    let scenarios = crate::spec::resolve_scenarios(None)?;
    let merged = merge::merge(&args.dirs, &scenarios, &args.out)?;
    println!("{}", merged.summary);
    Ok(merged.exit)
}

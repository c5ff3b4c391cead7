//! The command line (clap only): what each command and flag means, and the hand-over to the
//! drivers. Nothing here runs a scenario or formats a report.

mod bench;
mod check;
mod load;
mod progress;
mod reconcile;
mod run;
mod serve;
mod settle;

use crate::exit::Exit;
use clap::{Parser, Subcommand};

/// paydrill drills order and payment platforms: it runs payment scenarios against a platform
/// and fake payment gateways (PGs), checks the money invariants over everything it saw, and
/// writes a settlement CSV, a CI verdict and capacity figures.
///
/// With no --target it starts its own reference platform and the PG fakes on loopback.
#[derive(Debug, Parser)]
#[command(name = "paydrill", version, propagate_version = true)]
#[command(after_help = "Exit codes: 0 all held, 1 an invariant/expectation/SLO failed, 2 bad usage or input file, \
3 target or fake unreachable, 130 interrupted (reports written, marked partial).")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every scenario × every PG, check the invariants, write the reports.
    Run(run::RunArgs),
    /// Hold an open arrival rate of orders on goose, check every invariant, gate on an SLO.
    Load(Box<load::LoadArgs>),
    /// Serve the reference platform and the PG fakes on loopback until Ctrl-C.
    Serve(serve::ServeArgs),
    /// Merge the run folders of load shards: summed counts, merged histograms, invariants
    /// over every shard's history.
    Merge(load::MergeArgs),
    /// Benchmarks: the PG-fake servers (`bench fakes`), the harness against bare goose
    /// (`bench harness`), the input readers under fuzzing (`bench parsers`).
    Bench(bench::BenchArgs),
    /// Validate scenario, profile and mock files without running anything.
    Check(check::CheckArgs),
    /// Rebuild the settlement CSV from a recorded history.jsonl.
    Settle(settle::SettleArgs),
    /// Reconcile a platform's own settlement export with the PGs' settlement reports, per PG
    /// and date: every mismatch in reconcile.csv.
    Reconcile(reconcile::ReconcileArgs),
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => Exit::BadInput.code(),
            };
        }
    };
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("paydrill: cannot start the async runtime: {e}");
            return Exit::Unreachable.code();
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run::run(args).await,
            Command::Load(args) => load::load(*args).await,
            Command::Serve(args) => serve::serve(args).await,
            Command::Merge(args) => load::merge(args),
            Command::Bench(args) => bench::bench(args).await,
            Command::Check(args) if args.profile.is_some() => check::probe(args).await,
            Command::Check(args) => check::check(args),
            Command::Settle(args) => settle::settle(args),
            Command::Reconcile(args) => reconcile::reconcile(args).await,
        }
    });
    match result {
        Ok(exit) => exit.code(),
        Err(fatal) => {
            eprintln!("paydrill: {fatal}");
            fatal.exit.code()
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PAYDRILL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let ansi = progress::fancy();
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).try_init();
}

//! `paydrill serve`: the reference platform and the PG fakes, standalone on loopback, until
//! Ctrl-C; with `--no-fakes` the platform alone, pointed at the mocks' fixed ports.

use crate::embedded;
use crate::exit::CommandResult;
use crate::exit::Fatal;
use crate::fakes::{FakeFleet, ServerKind};
use crate::platform::{Platform, PlatformConfig};
use crate::spec::MockConfig;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  paydrill serve                  platform on 127.0.0.1:18080, fakes on their mock ports\n  \
paydrill serve --no-fakes       platform only; its PGs are the fakes `paydrill run --target` serves"
)]
pub struct ServeArgs {
    /// Port for the reference platform on 127.0.0.1.
    #[arg(long, env = "PAYDRILL_PORT", default_value_t = 18080)]
    pub port: u16,
    /// SQLite database file for the platform (default: a temporary one, removed on exit).
    #[arg(long, env = "PAYDRILL_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Folder of mock files (default: ./mocks if present, else the shipped ones).
    #[arg(long, env = "PAYDRILL_MOCKS", value_name = "DIR")]
    pub mocks: Option<PathBuf>,
    /// Start only the platform, pointed at the fixed mock ports where `paydrill run --target`
    /// serves its fakes.
    #[arg(long, env = "PAYDRILL_NO_FAKES")]
    pub no_fakes: bool,
    /// How long the platform waits for a PG before the outcome counts as unknown.
    #[arg(long, env = "PAYDRILL_PG_TIMEOUT", default_value = "1s", value_parser = crate::units::parse_timeout)]
    pub pg_timeout: Duration,
    /// Switch on a bug in the platform (repeatable); see `paydrill run --help`.
    #[arg(long = "defect", env = "PAYDRILL_DEFECT", value_delimiter = ',', value_name = "NAME")]
    pub defects: Vec<crate::platform::Defect>,
}

pub async fn serve(args: ServeArgs) -> CommandResult {
    let mocks = MockConfig::resolve(args.mocks.as_deref())?;
    let fleet = if args.no_fakes {
        None
    } else {
        Some(FakeFleet::start(mocks.clone(), ServerKind::Lean, true).await.map_err(Fatal::unreachable)?)
    };
    let pgs = match &fleet {
        Some(fleet) => embedded::connections(fleet),
        None => embedded::fixed_port_connections(&mocks),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(|e| Fatal::unreachable(format!("cannot listen on 127.0.0.1:{} (--port): {e}", args.port)))?;
    let config = PlatformConfig {
        db_path: args.db.clone(),
        pg_timeout: args.pg_timeout,
        defects: args.defects.clone(),
        ..PlatformConfig::new(pgs.clone())
    };
    let platform = Platform::start(config, listener).await.map_err(Fatal::unreachable)?;
    // Listen before saying it runs: a Ctrl-C right after the banner must stop it cleanly.
    let mut stop = crate::stop::StopSignals::listen();

    println!("paydrill serve: reference platform and PG fakes on loopback (Ctrl-C stops)\n");
    println!("  {:<10} {}", "platform", platform.url());
    for pg in &pgs {
        let note = if fleet.is_some() { "" } else { "  (expected: paydrill run --target serves it)" };
        println!("  {:<10} {}{note}", pg.pg.as_str(), pg.base_url);
    }
    if !args.defects.is_empty() {
        let names: Vec<_> = args.defects.iter().map(|d| d.name()).collect();
        println!("\n  DEFECTS    {} (this platform is deliberately wrong)", names.join(", "));
    }
    match &args.db {
        Some(db) => println!("\n  database   {}", db.display()),
        None => println!("\n  database   temporary (use --db PATH to keep it)"),
    }
    let signal = stop.next().await;
    println!("\npaydrill serve: stopping");
    // Dropping them stops the servers and removes the temporary database folder.
    drop(platform);
    drop(fleet);
    Ok(signal)
}

//! `paydrill bench fakes`: the flags of the PG-fake server benchmark, and its table of
//! requests per second and memory, printed.

use crate::drive::bench;
use crate::exit::CommandResult;
use crate::exit::{Exit, Fatal};
use crate::fakes::ServerKind;

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

#[derive(Debug, clap::Subcommand)]
pub enum BenchWhat {
    /// Requests per second and memory of a PG fake on the lean server and on wiremock.
    Fakes {
        /// Requests per server.
        #[arg(long, default_value_t = 200_000)]
        requests: u64,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Only this server (lean or wiremock); default both.
        #[arg(long, value_parser = ["lean", "wiremock"])]
        server: Option<String>,
    },
}

pub async fn bench(args: BenchArgs) -> CommandResult {
    let BenchWhat::Fakes { requests, concurrency, server } = args.what;
    let servers: Vec<ServerKind> = match server.as_deref() {
        Some("lean") => vec![ServerKind::Lean],
        Some(_) => vec![ServerKind::Wiremock],
        None => vec![ServerKind::Lean, ServerKind::Wiremock],
    };
    println!("| server | requests | failures | seconds | req/s | RSS before | RSS after | growth |");
    println!("|---|--:|--:|--:|--:|--:|--:|--:|");
    for kind in servers {
        let r = bench::bench_fake(kind, requests, concurrency.max(1)).await.map_err(Fatal::unreachable)?;
        println!(
            "| {:?} | {} | {} | {:.2} | {:.0} | {} MiB | {} MiB | {:+} MiB |",
            r.server,
            r.requests,
            r.failures,
            r.seconds,
            r.per_second(),
            r.rss_before_kb / 1024,
            r.rss_after_kb / 1024,
            (r.rss_after_kb as i64 - r.rss_before_kb as i64) / 1024
        );
    }
    println!("\n(one process: the fake and the client that drives it; RSS from /proc/self/status)");
    Ok(Exit::Held)
}

//! `paydrill bench fakes` and `paydrill bench parsers`: the flags of the PG-fake server
//! benchmark and of the input readers' fuzz run, and their figures, printed.

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
    /// Feed mutated scenario, profile, mock and history files to paydrill's readers (and the
    /// checkers after the history reader); any panic is a bug, printed with its input.
    Parsers {
        /// How many mutated inputs.
        #[arg(long, default_value_t = 100_000)]
        cases: u64,
        /// Seed of the mutations (the same seed gives the same inputs).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

pub async fn bench(args: BenchArgs) -> CommandResult {
    let (requests, concurrency, server) = match args.what {
        BenchWhat::Fakes { requests, concurrency, server } => (requests, concurrency, server),
        BenchWhat::Parsers { cases, seed } => return parsers(cases, seed),
    };
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

fn parsers(cases: u64, seed: u64) -> CommandResult {
    let started = std::time::Instant::now();
    let report = crate::drive::fuzz::fuzz_readers(cases, seed);
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} mutated inputs (seed {seed}): {} taken, {} refused with an error, {} panics · {:.1} s, {:.0} inputs/s",
        report.cases,
        report.accepted,
        report.refused,
        report.panic_count,
        seconds,
        report.cases as f64 / seconds.max(1e-9)
    );
    if report.jargon_count > 0 {
        println!("{} refusals worded in serde's terms, not the file's:", report.jargon_count);
        for m in &report.jargon {
            println!("  {m}");
        }
    }
    for p in &report.panics {
        println!("\npanic in the {} reader: {}\n--- input ---\n{}\n-------------", p.reader.name(), p.message, p.input);
    }
    Ok(if report.panic_count == 0 && report.jargon_count == 0 { Exit::Held } else { Exit::Failed })
}

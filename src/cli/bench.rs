//! `paydrill bench fakes`, `bench harness` and `bench parsers`: the flags of the PG-fake
//! server benchmark, of the harness-cost benchmark (and of the two processes it starts) and of
//! the input readers' fuzz run, and their figures, printed.

use crate::drive::bench::{self, harness};
use crate::exit::CommandResult;
use crate::exit::{Exit, Fatal};
use crate::fakes::ServerKind;
use crate::units::{parse_duration, parse_rate, Rate};
use std::path::PathBuf;
use std::time::Duration;

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
    /// CPU and memory per request of paydrill's load path against a bare goose program sending
    /// the same FULL_FLOW requests at the same rate, on a minimal bench target in its own
    /// process (pinned to core 1, the load to core 0, where `taskset` can); plus history bytes
    /// per order. The figures #14's acceptance is measured with.
    #[command(after_help = "Example:\n  paydrill bench harness --rate 15000/min --duration 30s\n  \
paydrill bench harness --rate 150000/min --duration 20s   (can one core drive it?)")]
    Harness {
        /// Arrival rate of FULL_FLOW orders, for both parts.
        #[arg(long, default_value = "15000/min", value_parser = parse_rate)]
        rate: Rate,
        /// How long orders arrive in each part.
        #[arg(long, default_value = "30s", value_parser = parse_duration)]
        duration: Duration,
        /// Where the parts' logs and the load part's reports go.
        #[arg(long, default_value = "reports/bench-harness", value_name = "DIR")]
        out: PathBuf,
    },
    /// The bench target `bench harness` starts: serves until killed, printing its URL first.
    #[command(hide = true)]
    Target {
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// The bare goose program `bench harness` starts: prints its figures as JSON.
    #[command(hide = true)]
    GooseBaseline {
        #[arg(long)]
        target: String,
        #[arg(long, value_parser = parse_rate)]
        rate: Rate,
        #[arg(long, value_parser = parse_duration)]
        duration: Duration,
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
        BenchWhat::Harness { rate, duration, out } => return harness_bench(rate, duration, out).await,
        BenchWhat::Target { port } => return target(port).await,
        BenchWhat::GooseBaseline { target, rate, duration } => {
            let figures = bench::baseline::run(&target, rate, duration).await.map_err(Fatal::unreachable)?;
            println!("{}", serde_json::to_string(&figures).unwrap_or_default());
            return Ok(Exit::Held);
        }
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

async fn harness_bench(rate: Rate, duration: Duration, out: PathBuf) -> CommandResult {
    let program =
        std::env::current_exe().map_err(|e| Fatal::unreachable(format!("cannot find paydrill itself: {e}")))?;
    let opts = harness::HarnessOptions { program, rate, duration, out };
    let on_event = |event: harness::HarnessEvent| match event {
        harness::HarnessEvent::TargetUp { url, pinned } => eprintln!(
            "bench target {url} {}",
            if pinned { "(target on core 1, each part on core 0)" } else { "(not pinned: no taskset or one core)" }
        ),
        harness::HarnessEvent::PartStarted { name } => {
            eprintln!("{name}: {:.0} FULL_FLOW orders/min for {duration:?} ...", rate.per_minute)
        }
    };
    let figures = harness::bench_harness(&opts, &on_event).await?;
    println!(
        "| part | orders | on time | requests | CPU | CPU/request | CPU/order | peak RSS | RSS growth | history/order | target CPU |"
    );
    println!("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for p in &figures.parts {
        println!(
            "| {} | {}/{} | {:.2}% | {} | {:.2} s | {:.0} µs | {:.0} µs | {:.1} MiB | {:+.1} MiB | {} | {:.2} s |",
            p.name,
            p.completed,
            p.scheduled,
            p.on_time_share() * 100.0,
            p.requests,
            p.cost.cpu_ms as f64 / 1000.0,
            p.cpu_us_per_request(),
            p.cpu_us_per_order(),
            p.cost.peak_rss_kb as f64 / 1024.0,
            p.cost.rss_growth_kb() as f64 / 1024.0,
            p.history_bytes_per_order.map_or("-".to_string(), |b| format!("{b} B")),
            p.target_cpu_ms as f64 / 1000.0,
        );
    }
    if let Some(ratio) = figures.ratio() {
        println!("\npaydrill's CPU per request is {ratio:.2}× bare goose's (same target, same rate, same requests)");
    }
    println!(
        "(CPU: each part's own process over its attack, from /proc; the target's CPU is apart; logs in {})",
        opts.out.display()
    );
    Ok(Exit::Held)
}

async fn target(port: u16) -> CommandResult {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Fatal::unreachable(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let addr = listener.local_addr().map_err(|e| Fatal::unreachable(e.to_string()))?;
    println!("http://{addr}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    bench::target::serve(listener).await.map_err(|e| Fatal::unreachable(format!("the bench target stopped: {e}")))?;
    Ok(Exit::Held)
}

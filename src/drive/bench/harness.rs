//! `paydrill bench harness`: the bench target in one process (on core 1 where it can be
//! pinned), then a bare goose program and `paydrill load` in turn (on core 0) at the same rate
//! of the same FULL_FLOW orders; each part's CPU, memory and requests served, side by side.

use super::baseline::BaselineFigures;
use super::target::{TargetStats, PROFILE};
use crate::exit::Fatal;
use crate::measure::ProcessCost;
use crate::units::Rate;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

/// What to measure.
pub struct HarnessOptions {
    /// The paydrill program to start the parts with (this one).
    pub program: PathBuf,
    pub rate: Rate,
    pub duration: Duration,
    /// Where the parts' logs and the load part's reports go.
    pub out: PathBuf,
}

/// What the harness bench tells as it goes.
pub enum HarnessEvent {
    TargetUp { url: String, pinned: bool },
    PartStarted { name: &'static str },
}

/// One part's figures: what it drove and what it cost.
#[derive(Debug, Clone)]
pub struct PartFigures {
    pub name: &'static str,
    pub scheduled: u64,
    pub started: u64,
    pub late: u64,
    pub completed: u64,
    /// Requests the bench target served during the part.
    pub requests: u64,
    /// The part's own process cost over its attack.
    pub cost: ProcessCost,
    /// The bench target's CPU over the part, apart.
    pub target_cpu_ms: u64,
    /// `history.jsonl` bytes per order (paydrill only).
    pub history_bytes_per_order: Option<u64>,
}

impl PartFigures {
    pub fn cpu_us_per_request(&self) -> f64 {
        self.cost.cpu_ms as f64 * 1000.0 / self.requests.max(1) as f64
    }

    pub fn cpu_us_per_order(&self) -> f64 {
        self.cost.cpu_ms as f64 * 1000.0 / self.completed.max(1) as f64
    }

    pub fn on_time_share(&self) -> f64 {
        1.0 - self.late as f64 / self.started.max(1) as f64
    }
}

/// Both parts, goose first.
pub struct HarnessFigures {
    pub parts: Vec<PartFigures>,
}

impl HarnessFigures {
    /// paydrill's CPU per request over bare goose's.
    pub fn ratio(&self) -> Option<f64> {
        match self.parts.as_slice() {
            [goose, paydrill] => Some(paydrill.cpu_us_per_request() / goose.cpu_us_per_request().max(1e-9)),
            _ => None,
        }
    }
}

/// Runs the bench.
pub async fn bench_harness(
    opts: &HarnessOptions,
    on_event: &(dyn Fn(HarnessEvent) + Sync),
) -> Result<HarnessFigures, Fatal> {
    std::fs::create_dir_all(&opts.out)
        .map_err(|e| Fatal::bad_input(format!("cannot create {} (--out): {e}", opts.out.display())))?;
    let pinned = taskset().is_some() && std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2;
    let (mut target, url) = start_target(opts, pinned).await?;
    on_event(HarnessEvent::TargetUp { url: url.clone(), pinned });
    let http = reqwest::Client::new();
    let rate = format!("{}/min", opts.rate.per_minute);
    let seconds = format!("{}s", opts.duration.as_secs().max(1));
    let mut parts = Vec::new();

    on_event(HarnessEvent::PartStarted { name: "bare goose" });
    let before = stats(&http, &url).await?;
    let args = ["bench", "goose-baseline", "--target", &url, "--rate", &rate, "--duration", &seconds];
    let stdout = run_part(opts, pinned, "goose", &args).await?;
    let after = stats(&http, &url).await?;
    let figures: BaselineFigures = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .map_err(|e| Fatal::unreachable(format!("the goose part printed no figures ({e}): {stdout}")))?;
    parts.push(PartFigures {
        name: "bare goose",
        scheduled: figures.scheduled,
        started: figures.started,
        late: figures.late,
        completed: figures.completed,
        requests: after.requests - before.requests,
        cost: figures.cost,
        target_cpu_ms: after.cpu_ms - before.cpu_ms,
        history_bytes_per_order: None,
    });

    on_event(HarnessEvent::PartStarted { name: "paydrill load" });
    let profile = opts.out.join("bench-target.toml");
    std::fs::write(&profile, PROFILE)
        .map_err(|e| Fatal::bad_input(format!("cannot write {}: {e}", profile.display())))?;
    let reports = opts.out.join("load");
    let before = stats(&http, &url).await?;
    let profile_arg = profile.display().to_string();
    let reports_arg = reports.display().to_string();
    let args = [
        "load",
        "--target",
        &url,
        "--profile",
        &profile_arg,
        "--no-fakes",
        "--rate",
        &rate,
        "--duration",
        &seconds,
        "--warmup",
        "0s",
        "--mix",
        "FULL_FLOW=1",
        "--pg",
        "toss",
        "--out",
        &reports_arg,
    ];
    run_part(opts, pinned, "paydrill", &args).await?;
    let after = stats(&http, &url).await?;
    parts.push(load_part(&reports.join("latest").join("summary.json"), before, after)?);

    let _ = target.kill().await;
    Ok(HarnessFigures { parts })
}

/// `taskset`, where the machine has it.
fn taskset() -> Option<PathBuf> {
    ["/usr/bin/taskset", "/bin/taskset"].into_iter().map(PathBuf::from).find(|p| p.exists())
}

/// The paydrill program, on `core` where it can be pinned, without the user's `PAYDRILL_*`
/// settings (the parts take theirs from the bench).
fn command(opts: &HarnessOptions, pinned: bool, core: u32) -> Command {
    let mut command = match (pinned, taskset()) {
        (true, Some(taskset)) => {
            let mut c = Command::new(taskset);
            c.arg("-c").arg(core.to_string()).arg(&opts.program);
            c
        }
        _ => Command::new(&opts.program),
    };
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("PAYDRILL_")) {
        command.env_remove(name);
    }
    command.kill_on_drop(true);
    command
}

/// Starts `paydrill bench target` and reads the URL it prints.
async fn start_target(opts: &HarnessOptions, pinned: bool) -> Result<(Child, String), Fatal> {
    let mut child = command(opts, pinned, 1)
        .args(["bench", "target"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| Fatal::unreachable(format!("cannot start {}: {e}", opts.program.display())))?;
    let stdout = child.stdout.take().ok_or_else(|| Fatal::unreachable("the bench target has no output"))?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await;
    match line {
        Ok(Ok(Some(url))) if url.starts_with("http://") => Ok((child, url)),
        _ => Err(Fatal::unreachable("the bench target did not say where it listens within 10 s")),
    }
}

/// Runs one part to its end; its output is kept in `<out>/<name>.log`. Returns its stdout.
async fn run_part(opts: &HarnessOptions, pinned: bool, name: &str, args: &[&str]) -> Result<String, Fatal> {
    let log_path = opts.out.join(format!("{name}.log"));
    let log = std::fs::File::create(&log_path)
        .map_err(|e| Fatal::bad_input(format!("cannot write {}: {e}", log_path.display())))?;
    let output = command(opts, pinned, 0)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(log)
        .output()
        .await
        .map_err(|e| Fatal::unreachable(format!("cannot start the {name} part: {e}")))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    // `load` exits 1 when a check fails; the bench reads its figures either way.
    if !matches!(output.status.code(), Some(0) | Some(1)) {
        return Err(Fatal::unreachable(format!(
            "the {name} part ended with {}: see {}",
            output.status,
            log_path.display()
        )));
    }
    Ok(stdout)
}

async fn stats(http: &reqwest::Client, url: &str) -> Result<TargetStats, Fatal> {
    let read = async { http.get(format!("{url}/__bench/stats")).send().await?.json::<TargetStats>().await };
    read.await.map_err(|e| Fatal::unreachable(format!("the bench target stopped answering: {e}")))
}

/// The load part's figures, from its `summary.json` and the bench target's readings around it.
fn load_part(summary: &Path, before: TargetStats, after: TargetStats) -> Result<PartFigures, Fatal> {
    let text = std::fs::read_to_string(summary)
        .map_err(|e| Fatal::unreachable(format!("the load part wrote no {} ({e})", summary.display())))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Fatal::unreachable(format!("{}: not a load summary: {e}", summary.display())))?;
    let step = &v["steps"][0];
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    Ok(PartFigures {
        name: "paydrill load",
        scheduled: n(&step["scheduled"]),
        started: n(&step["started"]),
        late: n(&step["late"]),
        completed: n(&step["completed"]),
        requests: after.requests - before.requests,
        cost: serde_json::from_value(step["process"].clone()).unwrap_or_default(),
        target_cpu_ms: after.cpu_ms - before.cpu_ms,
        history_bytes_per_order: v["history"]["bytes_per_order"].as_u64(),
    })
}

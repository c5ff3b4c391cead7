//! Minimal repros: for each invariant a run broke, the smallest scenario that broke it, on the
//! PG it broke on, is cut down by re-running smaller candidates on fresh targets, keeping each cut that
//! still breaks the same invariant, within a time budget; the result is written as a standalone
//! scenario file, `repro/<invariant>-<n>.toml`, with how often it reproduces.

mod candidates;
mod trial;

use crate::check::{Repro, Verdict, EXPECTATION};
use crate::drive::setup::TargetSetup;
use crate::exit::Fatal;
use crate::pg::PgName;
use crate::spec::{ReproNote, Scenario};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use trial::Trials;

/// The folder of a run the repro files go in.
pub const REPRO_DIR: &str = "repro";

/// Repetitions tried, in turn, until the unshrunk scenario breaks again on a fresh target (a
/// race is a chance; a bug that hits every n-th order needs n of them).
const REPEATS: [u32; 3] = [1, 4, 16];

/// Runs of the final repro that say how often it reproduces.
const VERIFY_RUNS: u32 = 5;

/// How to shrink.
pub struct ShrinkOptions {
    pub setup: TargetSetup,
    pub mocks_dir: Option<PathBuf>,
    pub converge_within: Duration,
    /// For every repro of the run together.
    pub budget: Duration,
    /// The run's folder (`repro/` goes in it).
    pub run_dir: PathBuf,
}

/// Makes a repro for each invariant the verdict's violations name; `on_start`
/// hears of each as it begins (`n` of `total`). The budget is shared out as it goes; an
/// invariant reached after it is spent still gets its start tried once and verified once
/// (written unshrunk), so a slow first invariant cannot leave the others without a repro.
pub async fn shrink_all(
    verdict: &Verdict,
    scenarios: &[Scenario],
    opts: &ShrinkOptions,
    on_start: &(dyn Fn(&str, usize, usize) + Sync),
) -> Result<Vec<Repro>, Fatal> {
    let groups = groups(verdict, scenarios);
    let started = Instant::now();
    let mut trials = Trials {
        setup: opts.setup.clone(),
        mocks_dir: opts.mocks_dir.clone(),
        converge_within: opts.converge_within,
        runs: 0,
    };
    let mut numbers: BTreeMap<String, u32> = BTreeMap::new();
    let mut repros = Vec::new();
    let total = groups.len();
    for (i, group) in groups.into_iter().enumerate() {
        on_start(&group.invariant, i + 1, total);
        let left = opts.budget.saturating_sub(started.elapsed());
        let deadline = Instant::now() + left / (total - i) as u32;
        let n = numbers.entry(group.invariant.clone()).or_default();
        *n += 1;
        let name = format!("{}-{n}", group.invariant);
        let runs_before = trials.runs;
        let mut repro = Repro {
            invariant: group.invariant.clone(),
            pg: group.pg,
            file: None,
            why: None,
            from: String::new(),
            steps_before: 0,
            steps_after: 0,
            repeat: 0,
            runs: 0,
            reproduced: 0,
            tried: 0,
            replay: String::new(),
        };
        // A trial that cannot start (a fake's fixed port still taken, the target gone) costs
        // this repro, never the run's reports.
        let shrunk = shrink_one(&mut trials, &group, &name, deadline)
            .await
            .unwrap_or_else(|fatal| Err(format!("a trial could not run: {fatal}")));
        match shrunk {
            Err(why) => repro.why = Some(why),
            Ok(found) => {
                let file = format!("{REPRO_DIR}/{name}.toml");
                let mut replay = vec![
                    "paydrill".to_string(),
                    "run".into(),
                    "--scenario-file".into(),
                    path_text(&opts.run_dir, &file),
                ];
                replay.extend(opts.setup.choice.flags());
                if found.repeat > 1 {
                    replay.extend(["--repeat".into(), found.repeat.to_string()]);
                }
                let mut scenario = found.scenario;
                scenario.repro = Some(ReproNote {
                    invariant: group.invariant.clone(),
                    from: format!("{}/{}", found.from, group.pg),
                    defects: defect_names(&opts.setup),
                    repeat: found.repeat,
                    reproduces: format!("{}/{}", found.reproduced, found.tried),
                    shrink_runs: trials.runs - runs_before,
                    replay: replay.join(" "),
                });
                let dir = opts.run_dir.join(REPRO_DIR);
                std::fs::create_dir_all(&dir)
                    .and_then(|_| {
                        crate::report::write_atomic(&dir, &format!("{name}.toml"), scenario.to_toml().as_bytes())
                    })
                    .map_err(|e| Fatal::bad_input(format!("cannot write {}: {e}", dir.display())))?;
                repro.file = Some(file);
                repro.from = found.from;
                repro.steps_before = found.steps_before;
                repro.steps_after = scenario.steps.len();
                repro.repeat = found.repeat;
                repro.reproduced = found.reproduced;
                repro.tried = found.tried;
                repro.replay = replay.join(" ");
            }
        }
        repro.runs = trials.runs - runs_before;
        repros.push(repro);
    }
    Ok(repros)
}

fn path_text(run_dir: &Path, file: &str) -> String {
    run_dir.join(file).display().to_string()
}

fn defect_names(setup: &TargetSetup) -> Vec<String> {
    match &setup.choice {
        crate::drive::setup::TargetChoice::Embedded { defects } => {
            defects.iter().map(|d| d.name().to_string()).collect()
        }
        _ => Vec::new(),
    }
}

/// The violations of one invariant.
struct Group {
    invariant: String,
    /// The PG of its first violation.
    pg: PgName,
    /// Where to start, fewest steps first: the scenarios it broke in on that PG, or for a
    /// whole-run violation (no cell) every scenario that ran there.
    starts: Vec<Scenario>,
}

fn groups(verdict: &Verdict, scenarios: &[Scenario]) -> Vec<Group> {
    let mut seen: Vec<Group> = Vec::new();
    for v in &verdict.violations {
        let Some(pg) = v.cell.as_ref().map(|c| c.pg).or(v.pg) else { continue };
        let group = match seen.iter().position(|g| g.invariant == v.invariant) {
            Some(i) => &mut seen[i],
            None => {
                seen.push(Group { invariant: v.invariant.clone(), pg, starts: Vec::new() });
                seen.last_mut().expect("just pushed")
            }
        };
        if group.pg != pg {
            continue;
        }
        let named = v.cell.as_ref().map(|c| c.scenario.as_str()).unwrap_or(&v.scenario);
        let starts: Vec<&Scenario> = match scenarios.iter().find(|s| s.name == named) {
            Some(s) => vec![s],
            None => scenarios.iter().filter(|s| s.pg.is_none_or(|p| p == pg)).collect(),
        };
        for s in starts {
            if !group.starts.iter().any(|have| have.name == s.name) {
                group.starts.push(s.clone());
            }
        }
    }
    for g in &mut seen {
        g.starts.sort_by_key(|s| s.steps.len());
    }
    // The money invariants first: a broken expectation is often their consequence.
    seen.sort_by_key(|g| g.invariant == EXPECTATION);
    seen
}

/// What one shrink found.
struct Found {
    scenario: Scenario,
    from: String,
    steps_before: usize,
    repeat: u32,
    reproduced: u32,
    tried: u32,
}

/// Shrinks one group; `Err` says in words why no repro came of it.
async fn shrink_one(
    trials: &mut Trials,
    group: &Group,
    name: &str,
    deadline: Instant,
) -> Result<Result<Found, String>, Fatal> {
    let invariant = group.invariant.as_str();
    // The start: the first scenario (and repetitions) that breaks the invariant on a fresh target.
    let mut start = None;
    let mut tried = Vec::new();
    'search: for s in &group.starts {
        let mut base = s.clone();
        base.name = name.to_string();
        base.description = format!("Minimal repro of {invariant}, shrunk from {} on {}.", s.name, group.pg);
        base.tags = vec!["repro".into()];
        base.pg = Some(group.pg);
        base.repro = None;
        base.file = PathBuf::from(format!("{name}.toml"));
        let Some(base) = candidates::valid(&base) else { continue };
        for repeat in REPEATS {
            tried.push(format!("{} ×{repeat}", s.name));
            if trials.breaks(&base, group.pg, repeat, invariant).await? {
                start = Some((base, s.name.clone(), s.steps.len(), repeat));
                break 'search;
            }
            if Instant::now() >= deadline {
                break 'search;
            }
        }
    }
    let Some((mut current, from, steps_before, repeat)) = start else {
        let spent = if Instant::now() >= deadline { ", then its share of --shrink-time was spent" } else { "" };
        return Ok(Err(format!(
            "it did not break {invariant} again on a fresh target (tried {}{spent})",
            tried.join(", ")
        )));
    };
    // A candidate that breaks it only now and then gets a few tries. With the time spent (on
    // the invariants before), the start is kept as it is: it broke on a fresh target.
    let mut steady = true;
    for _ in 0..2 {
        if Instant::now() < deadline {
            steady &= trials.breaks(&current, group.pg, repeat, invariant).await?;
        }
    }
    let attempts = if steady { 1 } else { 3 };
    'shrink: while Instant::now() < deadline {
        for candidate in candidates::smaller(&current) {
            if Instant::now() >= deadline {
                break 'shrink;
            }
            for _ in 0..attempts {
                if trials.breaks(&candidate, group.pg, repeat, invariant).await? {
                    current = candidate;
                    continue 'shrink;
                }
            }
        }
        break;
    }
    let (mut reproduced, mut tried) = (0, 0);
    while tried < VERIFY_RUNS && (tried == 0 || Instant::now() < deadline) {
        tried += 1;
        reproduced += trials.breaks(&current, group.pg, repeat, invariant).await? as u32;
    }
    Ok(Ok(Found { scenario: current, from, steps_before, repeat, reproduced, tried }))
}

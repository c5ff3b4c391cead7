//! Minimal repros: a run that breaks an invariant writes `repro/<invariant>-<n>.toml`, no longer
//! than the scenario it came from, that replays the same invariant; and every planted defect's
//! committed repro (`tests/fixtures/repro/<defect>.toml`) still breaks its invariant with the
//! defect on and holds on the correct platform.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn paydrill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paydrill")).args(args).env("CI", "1").output().expect("paydrill runs")
}

fn summary(reports: &Path) -> String {
    std::fs::read_to_string(reports.join("latest").join("summary.md")).unwrap_or_default()
}

/// The `[repro]` table of a repro file, and its steps.
fn note(file: &Path) -> (toml::Table, usize) {
    let value: toml::Table = toml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let steps = value["steps"].as_array().unwrap().len();
    (value["repro"].as_table().unwrap().clone(), steps)
}

/// The shipped scenario a repro's `from` names ("FULL_FLOW/toss"): its steps and lines.
fn shipped(from: &str) -> (usize, usize) {
    let name = from.split('/').next().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    (text.matches("[[steps]]").count(), text.lines().count())
}

#[test]
fn a_violation_is_shrunk_to_a_repro_that_replays_it() {
    let reports = tempfile::tempdir().unwrap();
    let out = reports.path().to_str().unwrap();
    let run = paydrill(&[
        "run",
        "--pg",
        "toss",
        "--scenario",
        "FULL_FLOW",
        "--defect",
        "skip-pg-cancel",
        "--shrink-time",
        "20s",
        "--out",
        out,
    ]);
    let md = summary(reports.path());
    assert_eq!(run.status.code(), Some(1), "{md}");
    let repro = reports.path().join("latest").join("repro").join("platform-matches-pg-1.toml");
    assert!(repro.is_file(), "a repro for platform-matches-pg: {md}");
    assert!(md.contains("## Minimal repros") && md.contains("(repro/platform-matches-pg-1.toml)"), "{md}");
    assert!(
        md.lines().any(|l| l.contains(". platform-matches-pg [") && l.contains("→ [repro/platform-matches-pg-1.toml]")),
        "each violation links to its repro: {md}"
    );
    let (note, steps) = note(&repro);
    let (shipped_steps, shipped_lines) = shipped(note["from"].as_str().unwrap());
    assert!(steps < shipped_steps, "FULL_FLOW's cancel after approval is all it takes: {steps} of {shipped_steps}");
    assert!(std::fs::read_to_string(&repro).unwrap().lines().count() <= shipped_lines);
    assert_eq!(note["invariant"].as_str(), Some("platform-matches-pg"));
    let reproduces = note["reproduces"].as_str().unwrap();
    assert!(!reproduces.starts_with("0/"), "{reproduces}");
    let html = std::fs::read_to_string(reports.path().join("latest").join("report.html")).unwrap();
    assert!(html.contains("Minimal repro: <a href=\"repro/platform-matches-pg-1.toml\">"), "the HTML links it too");

    // Replayed as its note says, it breaks the same invariant; on the correct platform it holds.
    let again = tempfile::tempdir().unwrap();
    let file = repro.to_str().unwrap();
    let replay = paydrill(&[
        "run",
        "--scenario-file",
        file,
        "--defect",
        "skip-pg-cancel",
        "--no-shrink",
        "--out",
        again.path().to_str().unwrap(),
    ]);
    let md = summary(again.path());
    assert_eq!(replay.status.code(), Some(1), "{md}");
    assert!(md.contains("| `platform-matches-pg` | violated |"), "{md}");
    assert!(md.contains("× 1 PG(s)") && md.contains("| toss |"), "the file's pg = \"toss\" picks the PG: {md}");
    let clean = tempfile::tempdir().unwrap();
    let replay = paydrill(&["run", "--scenario-file", file, "--out", clean.path().to_str().unwrap()]);
    assert_eq!(replay.status.code(), Some(0), "{}", summary(clean.path()));
}

#[test]
fn a_run_that_holds_writes_no_repro_and_no_shrink_writes_none() {
    let reports = tempfile::tempdir().unwrap();
    let out = reports.path().to_str().unwrap();
    let run = paydrill(&["run", "--pg", "toss", "--scenario", "FULL_FLOW", "--out", out]);
    assert_eq!(run.status.code(), Some(0));
    assert!(!reports.path().join("latest").join("repro").exists());
    assert!(!summary(reports.path()).contains("Minimal repros"));
    let run = paydrill(&[
        "run",
        "--pg",
        "toss",
        "--scenario",
        "FULL_FLOW",
        "--defect",
        "skip-pg-cancel",
        "--no-shrink",
        "--out",
        out,
    ]);
    assert_eq!(run.status.code(), Some(1));
    assert!(!reports.path().join("latest").join("repro").exists());
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/repro");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

/// The planted defects (the README's table): each has a committed repro.
const DEFECTS: [&str; 11] = [
    "no-idempotency",
    "racy-create",
    "racy-cancel",
    "double-charge-on-retry",
    "ack-before-commit",
    "stale-replay",
    "wrong-cancel-sign",
    "skip-pg-cancel",
    "webhook-double-apply",
    "no-inquiry",
    "cancel-lost",
];

#[test]
fn every_planted_defect_has_a_committed_repro_no_longer_than_its_scenario_that_still_breaks_it() {
    let files = fixtures();
    for defect in DEFECTS {
        assert!(files.iter().any(|f| f.file_stem().unwrap() == defect), "tests/fixtures/repro/{defect}.toml");
    }
    for file in &files {
        let (note, steps) = note(file);
        let defects: Vec<&str> = note["defects"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
        let invariant = note["invariant"].as_str().unwrap();
        let (shipped_steps, shipped_lines) = shipped(note["from"].as_str().unwrap());
        let lines = std::fs::read_to_string(file).unwrap().lines().count();
        assert!(steps <= shipped_steps && lines <= shipped_lines, "{}: {steps} steps, {lines} lines", file.display());
        let repeat = note["repeat"].as_integer().unwrap().to_string();
        let reports = tempfile::tempdir().unwrap();
        let defect = defects.join(",");
        let run = paydrill(&[
            "run",
            "--scenario-file",
            file.to_str().unwrap(),
            "--defect",
            &defect,
            "--repeat",
            &repeat,
            "--converge-within",
            "3s",
            "--no-shrink",
            "--out",
            reports.path().to_str().unwrap(),
        ]);
        let md = summary(reports.path());
        assert_eq!(run.status.code(), Some(1), "{}: {md}", file.display());
        assert!(
            md.contains(&format!("| `{invariant}` | violated |")),
            "{} must break {invariant}: {md}",
            file.display()
        );
    }
}

#[test]
fn every_committed_repro_holds_on_the_correct_platform() {
    let reports = tempfile::tempdir().unwrap();
    let mut args = vec!["run".to_string(), "--no-shrink".into(), "--converge-within".into(), "3s".into()];
    for file in fixtures() {
        args.extend(["--scenario-file".into(), file.display().to_string()]);
    }
    args.extend(["--repeat".into(), "3".into(), "--out".into(), reports.path().display().to_string()]);
    let run = Command::new(env!("CARGO_BIN_EXE_paydrill")).args(&args).env("CI", "1").output().unwrap();
    let md = summary(reports.path());
    assert_eq!(run.status.code(), Some(0), "{md}");
    assert!(md.contains("PASSED"), "{md}");
}

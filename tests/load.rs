//! `paydrill load` with small numbers, as a user runs it: shards as separate processes merge
//! into one set of figures with every invariant checked across them, and a racy platform under
//! load is caught. No wall-clock assertions: figures are reported, not judged here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn paydrill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paydrill")).args(args).env("CI", "1").output().expect("paydrill runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn run_dirs(reports: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(reports)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("load-")))
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn two_shards_merge_into_summed_counts_and_checked_invariants() {
    let reports = tempfile::tempdir().unwrap();
    let out = reports.path().to_str().unwrap();
    let spawn = |shard: &str| {
        Command::new(env!("CARGO_BIN_EXE_paydrill"))
            .args([
                "load",
                "--rate",
                "1200/min",
                "--duration",
                "2s",
                "--warmup",
                "0s",
                "--pg",
                "toss",
                "--shard",
                shard,
                "--out",
                out,
            ])
            .env("CI", "1")
            .output()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| spawn("1/2").unwrap());
        let b = s.spawn(|| spawn("2/2").unwrap());
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(a.status.code(), Some(0), "{}", text(&a));
    assert_eq!(b.status.code(), Some(0), "{}", text(&b));
    let dirs = run_dirs(reports.path());
    assert_eq!(dirs.len(), 2, "{dirs:?}");
    for d in &dirs {
        let summary = std::fs::read_to_string(d.join("summary.md")).unwrap();
        assert!(summary.contains("· PGs 1 (toss)"), "the summary names the PGs loaded: {summary}");
        let checked = summary.lines().find(|l| l.starts_with("| `single-charge` |")).expect("a single-charge row");
        assert!(checked.starts_with("| `single-charge` | held | 20 orders |"), "{checked}");
        // The same verdict for machines.
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("summary.json")).unwrap()).unwrap();
        assert_eq!((json["kind"].as_str(), json["verdict"].as_str()), (Some("load"), Some("passed")), "{json}");
        let step = &json["steps"][0];
        assert_eq!(step["started"], 20, "{json}");
        assert!(step["ops"]["approve"]["p99_ms"].as_f64().is_some(), "{json}");
        let single = step["invariants"].as_array().unwrap().iter().find(|i| i["id"] == "single-charge").unwrap();
        assert_eq!((single["checked"].as_u64(), single["violations"].as_u64()), (Some(20), Some(0)), "{json}");
    }

    let saved: Vec<serde_json::Value> = dirs
        .iter()
        .map(|d| serde_json::from_str(&std::fs::read_to_string(d.join("load.json")).unwrap()).unwrap())
        .collect();
    let started: u64 = saved.iter().map(|s| s["started"].as_u64().unwrap()).sum();
    let approve_calls: u64 = saved.iter().map(|s| s["book"]["calls"]["approve"].as_u64().unwrap_or(0)).sum();
    assert_eq!(started, 40, "each shard runs half of 1200/min for 2 s");

    let merged_dir = reports.path().join("merged");
    let mut args = vec!["merge", "--out", merged_dir.to_str().unwrap()];
    let dir_args: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    args.extend(dir_args.iter().map(String::as_str));
    let merged = paydrill(&args);
    let summary = text(&merged);
    assert_eq!(merged.status.code(), Some(0), "{summary}");
    assert!(summary.contains(&format!("{started} started")), "{summary}");
    let approve_row = summary.lines().find(|l| l.starts_with("| approve |")).expect("approve row");
    assert!(approve_row.starts_with(&format!("| approve | {approve_calls} |")), "{approve_row}");
    assert!(summary.contains("| `single-charge` | held |"), "{summary}");

    // The merged invariants really look at both histories: a doctored history breaks them.
    let doctored = reports.path().join("doctored");
    std::fs::create_dir_all(&doctored).unwrap();
    std::fs::copy(dirs[1].join("load.json"), doctored.join("load.json")).unwrap();
    let history = std::fs::read_to_string(dirs[1].join("history.jsonl")).unwrap();
    let broken = history.replacen("\"balance\":0,", "\"balance\":-500,", 1);
    assert_ne!(broken, history, "the history has a balance to doctor");
    std::fs::write(doctored.join("history.jsonl"), broken).unwrap();
    let merged =
        paydrill(&["merge", "--out", merged_dir.to_str().unwrap(), dir_args[0].as_str(), doctored.to_str().unwrap()]);
    assert_eq!(merged.status.code(), Some(1), "{}", text(&merged));
    assert!(text(&merged).contains("| `non-negative-balance` | violated |"), "{}", text(&merged));
}

#[test]
fn a_racy_cancel_under_load_is_caught_as_negative_balance() {
    let reports = tempfile::tempdir().unwrap();
    let out = paydrill(&[
        "load",
        "--rate",
        "600/min",
        "--duration",
        "2s",
        "--warmup",
        "0s",
        "--pg",
        "toss",
        "--mix",
        "CONCURRENT_PARTIAL_CANCEL=1",
        "--defect",
        "racy-cancel",
        "--out",
        reports.path().to_str().unwrap(),
    ]);
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(1), "{printed}");
    assert!(printed.contains("non-negative-balance ["), "{printed}");
}

#[test]
fn bad_load_flags_are_usage_errors() {
    for args in [
        vec!["load", "--rate", "fast"],
        vec!["load", "--mix", "NOPE=1", "--duration", "1s"],
        vec!["load", "--slo", "p99>5ms"],
        vec!["load", "--shard", "3/2"],
        vec!["load", "--target", "http://192.168.1.10:8080", "--profile", "scenarios/profiles/reference.toml"],
    ] {
        let out = paydrill(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
    }
}

/// Without a terminal (CI), a running step prints one plain line of its figures every 10 s.
#[test]
fn a_load_under_ci_prints_its_figures_every_ten_seconds() {
    let reports = tempfile::tempdir().unwrap();
    let out = paydrill(&[
        "load",
        "--rate",
        "600/min",
        "--duration",
        "11s",
        "--warmup",
        "0s",
        "--pg",
        "toss",
        "--out",
        reports.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let printed = text(&out);
    let line = printed.lines().find(|l| l.trim_start().starts_with("[10s/11s]")).unwrap_or_else(|| panic!("{printed}"));
    assert!(line.contains("orders/min") && line.contains("started") && line.contains("violations"), "{line}");
}

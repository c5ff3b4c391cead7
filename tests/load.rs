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

fn gunzip(path: &Path) -> String {
    let mut text = String::new();
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(file), &mut text).unwrap();
    text
}

/// The rows of an invariants table (`| `id` | state | checked | violations | note |`).
fn invariant_rows(summary: &str) -> Vec<String> {
    summary.lines().filter(|l| l.starts_with("| `")).map(str::to_string).collect()
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

    // `settle` rebuilds a shard's settlement.csv from its compressed history, byte for byte.
    let settled = paydrill(&["settle", dirs[0].join("history.jsonl.gz").to_str().unwrap()]);
    assert_eq!(settled.status.code(), Some(0), "{}", text(&settled));
    let written = std::fs::read(dirs[0].join("settlement.csv")).unwrap();
    assert!(written.len() > 100, "the shard settled money");
    assert_eq!(String::from_utf8_lossy(&settled.stdout), String::from_utf8_lossy(&written));

    // The merged invariants really look at both histories: a doctored history breaks them.
    let doctored = reports.path().join("doctored");
    std::fs::create_dir_all(&doctored).unwrap();
    std::fs::copy(dirs[1].join("load.json"), doctored.join("load.json")).unwrap();
    // A load history is compressed as it is written; merge reads it plain too.
    let history = gunzip(&dirs[1].join("history.jsonl.gz"));
    let broken = history.replacen("\"balance\":0,", "\"balance\":-500,", 1);
    assert_ne!(broken, history, "the history has a balance to doctor");
    std::fs::write(doctored.join("history.jsonl"), broken).unwrap();
    let merged =
        paydrill(&["merge", "--out", merged_dir.to_str().unwrap(), dir_args[0].as_str(), doctored.to_str().unwrap()]);
    assert_eq!(merged.status.code(), Some(1), "{}", text(&merged));
    assert!(text(&merged).contains("| `non-negative-balance` | violated |"), "{}", text(&merged));
}

#[test]
fn four_shard_processes_merge_into_the_verdict_of_one_run() {
    let reports = tempfile::tempdir().unwrap();
    let load = |shard: Option<&str>, out: &Path| {
        let mut args = vec![
            "load",
            "--rate",
            "2400/min",
            "--duration",
            "2s",
            "--warmup",
            "0s",
            "--pg",
            "toss",
            "--mix",
            "FULL_FLOW=1,PARTIAL_CANCEL=1",
            "--defect",
            "wrong-cancel-sign",
        ];
        if let Some(shard) = shard {
            args.extend(["--shard", shard]);
        }
        let out = out.to_str().unwrap().to_string();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_paydrill"));
        cmd.args(&args).args(["--out", &out]).env("CI", "1");
        cmd.output().unwrap()
    };
    let (single, shards) = (reports.path().join("single"), reports.path().join("shards"));
    let outs = std::thread::scope(|s| {
        let one = s.spawn(|| load(None, &single));
        let parts: Vec<_> = (1..=4)
            .map(|i| {
                let shards = &shards;
                s.spawn(move || load(Some(&format!("{i}/4")), &shards.join(i.to_string())))
            })
            .collect();
        let mut outs = vec![one.join().unwrap()];
        outs.extend(parts.into_iter().map(|p| p.join().unwrap()));
        outs
    });
    for out in &outs {
        assert_eq!(out.status.code(), Some(1), "the defect fails every part: {}", text(out));
    }
    let one = std::fs::read_to_string(single.join("latest/summary.md")).unwrap();
    let dirs: Vec<String> = (1..=4).map(|i| shards.join(format!("{i}/latest")).display().to_string()).collect();
    let merged_dir = reports.path().join("merged");
    let mut args = vec!["merge", "--out", merged_dir.to_str().unwrap()];
    args.extend(dirs.iter().map(String::as_str));
    let merged = paydrill(&args);
    let all = text(&merged);
    assert_eq!(merged.status.code(), Some(1), "{all}");
    assert!(all.contains("(80 orders)"), "every shard's orders were checked: {all}");
    let (one_rows, merged_rows) = (invariant_rows(&one), invariant_rows(&all));
    assert!(one_rows.iter().any(|r| r.contains("| violated |")), "the single run caught the defect: {one}");
    assert!(one_rows.iter().any(|r| r.starts_with("| `single-charge` | held | 80 orders |")), "{one}");
    assert_eq!(merged_rows, one_rows, "the merged invariants are the single run's\n{all}\n{one}");
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

/// A row of `bench harness`'s table, by its part name: the cells after it.
fn bench_row<'a>(table: &'a str, part: &str) -> Vec<&'a str> {
    let line = table.lines().find(|l| l.starts_with(&format!("| {part} |"))).unwrap_or_else(|| panic!("{table}"));
    line.trim_matches('|').split('|').map(str::trim).skip(1).collect()
}

#[test]
fn the_harness_bench_runs_both_parts_on_the_same_orders_and_requests() {
    let out = tempfile::tempdir().unwrap();
    let run = paydrill(&[
        "bench",
        "harness",
        "--rate",
        "1200/min",
        "--duration",
        "3s",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let all = text(&run);
    assert_eq!(run.status.code(), Some(0), "{all}");
    let table = String::from_utf8_lossy(&run.stdout).into_owned();
    for part in ["bare goose", "paydrill load"] {
        let row = bench_row(&table, part);
        assert_eq!(row[0], "60/60", "every FULL_FLOW order of {part} ran to its end: {table}");
        assert_eq!(row[2], "360", "{part}: six requests per order reached the bench target: {table}");
    }
    assert!(bench_row(&table, "paydrill load")[8].ends_with(" B"), "history bytes per order shown: {table}");
    assert!(table.contains("× bare goose's"), "{table}");
}

/// The bench target, started as `bench harness` starts it: its URL, and the process.
fn bench_target() -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_paydrill"))
        .args(["bench", "target"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (child, line.trim().to_string())
}

#[test]
fn without_fakes_the_pg_side_is_not_observable_never_held() {
    let (mut target, url) = bench_target();
    let out = tempfile::tempdir().unwrap();
    let run = paydrill(&[
        "run",
        "--target",
        &url,
        "--profile",
        "scenarios/profiles/bench-target.toml",
        "--no-fakes",
        "--scenario",
        "FULL_FLOW",
        "--pg",
        "toss",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let _ = target.kill();
    let all = text(&run);
    assert_eq!(run.status.code(), Some(0), "{all}");
    for id in ["single-charge", "platform-matches-pg", "settlement-balances"] {
        let row = all.lines().find(|l| l.starts_with(&format!("| `{id}` |"))).unwrap_or_else(|| panic!("{all}"));
        assert!(row.contains("not observable"), "{id} without fakes: {row}");
    }
    assert!(all.contains("| `unique-order` | held"), "what the client sees is still checked: {all}");
    let refused = paydrill(&["run", "--no-fakes"]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
}

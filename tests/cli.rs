//! `paydrill` end to end, as a user runs it: the exit code, what it prints, and the files it
//! writes — for a passing run, a failing expectation, bad input and an unreachable target.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn paydrill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paydrill"))
        .env("PAYDRILL_NO_SHRINK", "true")
        .args(args)
        .env("CI", "1")
        .output()
        .expect("paydrill runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn run_dir(reports: &Path) -> PathBuf {
    std::fs::read_dir(reports)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.is_dir() && !p.ends_with("latest"))
        .expect("a run folder")
}

fn write_scenario(dir: &Path, name: &str, body: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), body).unwrap();
}

#[test]
fn a_run_on_the_embedded_platform_passes_and_writes_every_report() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = paydrill(&["run", "--pg", "toss", "--pg", "nicepay", "--out", out_dir.path().to_str().unwrap()]);
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(0), "{printed}");
    assert!(printed.contains("PASSED"), "{printed}");
    let dir = run_dir(out_dir.path());
    for file in [
        "summary.md",
        "summary.json",
        "junit.xml",
        "settlement.csv",
        "settlement-summary.csv",
        "history.jsonl",
        "report.html",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    assert!(out_dir.path().join("latest").join("summary.md").is_file(), "reports/latest points at the run");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // settlement.csv reads back, and per PG its net equals the PG ledger net in the history.
    let mut reader = csv::Reader::from_path(dir.join("settlement.csv")).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        headers,
        [
            "settlement_date",
            "pg",
            "merchant_order_id",
            "order_id",
            "payment_id",
            "pg_payment_key",
            "pg_transaction_id",
            "transaction_type",
            "amount",
            "balance_after",
            "occurred_at",
            "scenario",
            "run_id",
            "reconciled"
        ]
    );
    let mut net = std::collections::BTreeMap::<String, i64>::new();
    for record in reader.records() {
        let r = record.unwrap();
        *net.entry(r[1].to_string()).or_default() += r[8].parse::<i64>().unwrap();
        assert_eq!(&r[13], "Y", "every movement reconciles on a correct platform: {r:?}");
    }
    let history = paydrill::record::History::read(&dir.join("history.jsonl")).unwrap();
    let mut ledger_net = std::collections::BTreeMap::<String, i64>::new();
    for l in history.ledgers() {
        let n: i64 = l.payments.iter().filter(|p| p.approval_id.is_some()).map(|p| p.total - p.cancelled).sum();
        ledger_net.insert(l.pg.to_string(), n);
    }
    assert_eq!(net, ledger_net);
    assert!(net.values().all(|n| *n > 0));

    // `settle` rebuilds the same CSV byte for byte.
    let settled = paydrill(&["settle", dir.join("history.jsonl").to_str().unwrap()]);
    assert_eq!(settled.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(settled.stdout).unwrap(),
        std::fs::read_to_string(dir.join("settlement.csv")).unwrap()
    );
}

#[test]
fn an_invariant_with_nothing_to_check_is_not_exercised_in_every_report() {
    let reports = tempfile::tempdir().unwrap();
    let out = paydrill(&["run", "--scenario", "ONLY_CREATE_APPROVE", "--out", reports.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let dir = run_dir(reports.path());
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();

    let summary = read("summary.md");
    let row = |id: &str| summary.lines().find(|l| l.starts_with(&format!("| `{id}` |"))).unwrap_or("").to_string();
    assert!(row("identical-replay").starts_with("| `identical-replay` | not exercised | 0 replays | 0 |"), "{summary}");
    let pgs = paydrill::pg::PgName::ALL.len();
    assert!(
        row("unique-order").starts_with(&format!("| `unique-order` | held | {pgs} idempotency keys | 0 |")),
        "{summary}"
    );
    assert!(row("single-charge").starts_with(&format!("| `single-charge` | held | {pgs} orders |")), "{summary}");

    let junit = read("junit.xml");
    assert!(
        junit.contains("<testcase name=\"identical-replay\" classname=\"invariants\" time=\"0\"><skipped message=\"not exercised: "),
        "{junit}"
    );
    assert!(junit.contains(&format!("held: checked {pgs} idempotency keys")), "{junit}");
    let tests: usize = junit.matches("<testcase ").count();
    assert!(junit.contains(&format!("<testsuites name=\"paydrill\" tests=\"{tests}\" failures=\"0\"")), "{junit}");

    let html = read("report.html");
    assert!(html.contains("<td><code>identical-replay</code></td>"), "{html}");
    assert!(html.contains("<td>not exercised</td><td>0 replays</td>"), "an HTML row shows state and count");

    let json: serde_json::Value = serde_json::from_str(&read("summary.json")).unwrap();
    assert_eq!(json["schema_version"], 1);
    let replay = json["invariants"].as_array().unwrap().iter().find(|i| i["id"] == "identical-replay").unwrap();
    assert_eq!((replay["state"].as_str(), replay["checked"].as_u64()), (Some("not_exercised"), Some(0)), "{replay}");
    assert!(replay["why"].as_str().is_some_and(|w| !w.is_empty()), "{replay}");
    assert_eq!(json["cells"]["total"], pgs);
}

#[test]
fn a_wrong_expectation_fails_the_run_and_junit_names_the_step() {
    let work = tempfile::tempdir().unwrap();
    let scenarios = work.path().join("scenarios");
    write_scenario(
        &scenarios,
        "WRONG.toml",
        "name = \"WRONG\"\n[[steps]]\nop = \"create_order\"\namount = 5000\n\n[[steps]]\nop = \"approve\"\n\
         expect = { status = \"APPROVED\", balance = 4000 }\n",
    );
    let reports = work.path().join("reports");
    let out = paydrill(&[
        "run",
        "--scenarios",
        scenarios.to_str().unwrap(),
        "--pg",
        "toss",
        "--out",
        reports.to_str().unwrap(),
    ]);
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(1), "{printed}");
    assert!(printed.contains("expected balance 4000; saw balance 5000"), "{printed}");
    let junit = std::fs::read_to_string(run_dir(&reports).join("junit.xml")).unwrap();
    assert!(junit.contains("<testsuite name=\"WRONG\" tests=\"1\" failures=\"1\""), "{junit}");
    assert!(junit.contains("failing step: WRONG step 2"), "{junit}");
}

#[test]
fn malformed_scenarios_exit_2_naming_file_and_line() {
    let cases = [
        ("bad TOML", "name = \"X\"\n[[steps]\nop = \"create_order\"\n", 2),
        ("unknown op", "name = \"X\"\n[[steps]]\nop = \"create_order\"\namount = 1\n[[steps]]\nop = \"refund\"\n", 6),
        ("negative amount", "name = \"X\"\n[[steps]]\nop = \"create_order\"\namount = -100\n", 4),
        ("unknown key", "name = \"X\"\n[[steps]]\nop = \"create_order\"\namount = 100\ncolour = \"red\"\n", 5),
    ];
    for (what, body, line) in cases {
        let work = tempfile::tempdir().unwrap();
        let scenarios = work.path().join("scenarios");
        write_scenario(&scenarios, "BAD.toml", body);
        let reports = work.path().join("reports");
        let out = paydrill(&["run", "--scenarios", scenarios.to_str().unwrap(), "--out", reports.to_str().unwrap()]);
        let printed = text(&out);
        assert_eq!(out.status.code(), Some(2), "{what}: {printed}");
        assert!(printed.contains(&format!("BAD.toml:{line}:")), "{what}: {printed}");
        assert!(
            !reports.exists() || std::fs::read_dir(&reports).unwrap().next().is_none(),
            "{what}: no half-written report"
        );

        let checked = paydrill(&["check", scenarios.join("BAD.toml").to_str().unwrap()]);
        assert_eq!(checked.status.code(), Some(2), "{what}: check");
        assert!(text(&checked).contains(&format!("BAD.toml:{line}:")), "{what}: {}", text(&checked));
    }
}

#[test]
fn the_shipped_files_check_clean() {
    let out = paydrill(&["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("0 with errors"));
}

#[test]
fn an_unreachable_target_exits_3() {
    let reports = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = paydrill(&[
        "run",
        "--target",
        &format!("http://127.0.0.1:{port}"),
        "--profile",
        "scenarios/profiles/reference.toml",
        "--out",
        reports.path().to_str().unwrap(),
    ]);
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(3), "{printed}");
    assert!(printed.contains("cannot reach the target"), "{printed}");
}

#[test]
fn a_remote_target_is_refused_without_allow_remote() {
    let out = paydrill(&["run", "--target", "http://10.1.2.3:8080", "--profile", "scenarios/profiles/reference.toml"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--allow-remote"));
}

#[test]
fn unknown_pg_and_scenario_are_usage_errors() {
    let out = paydrill(&["run", "--pg", "paypal"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("unknown PG `paypal`"), "{}", text(&out));
    let out = paydrill(&["run", "--scenario", "NOPE", "--out", tempfile::tempdir().unwrap().path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("no such scenario"), "{}", text(&out));
}

/// Kills the child when dropped, so a failing assertion leaves no server behind.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_run_against_serve_in_another_process_gives_the_same_verdict() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _serve = Server(
        Command::new(env!("CARGO_BIN_EXE_paydrill"))
            .env("PAYDRILL_NO_SHRINK", "true")
            .args(["serve", "--no-fakes", "--port", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("serve starts"),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let embedded = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let a = paydrill(&["run", "--pg", "toss", "--out", embedded.path().to_str().unwrap()]);
    let b = paydrill(&[
        "run",
        "--target",
        &url,
        "--profile",
        "scenarios/profiles/reference.toml",
        "--pg",
        "toss",
        "--out",
        outside.path().to_str().unwrap(),
    ]);
    assert_eq!(a.status.code(), Some(0), "{}", text(&a));
    assert_eq!(b.status.code(), a.status.code(), "{}", text(&b));
    assert!(text(&b).contains("http://127.0.0.1:18101"), "the run prints the fakes' URLs: {}", text(&b));
    // Every table but the times it took to converge (wall-clock figures differ run to run).
    let matrix = |out: &Output| -> Vec<String> {
        let mut timing = false;
        let mut rows = Vec::new();
        for l in String::from_utf8_lossy(&out.stdout).lines() {
            if l.starts_with("## ") {
                timing = l.starts_with("## Convergence");
            }
            if l.starts_with("| ") && !timing {
                rows.push(l.to_string());
            }
        }
        rows
    };
    assert_eq!(matrix(&a), matrix(&b), "same matrix and invariants");
}

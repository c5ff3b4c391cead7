//! The shipped scenarios, unchanged, against two platforms paydrill was not shaped around
//! (`tests/targets/`: a synchronous REST service in its own vocabulary, and an asynchronous one
//! in the seeds' design), each through its profile: clean, every invariant is checked or says
//! why it cannot be; each planted bug fails the run naming a fitting invariant.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A foreign target running as a child process, killed when dropped.
struct ForeignTarget {
    child: Child,
    url: String,
}

impl Drop for ForeignTarget {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A folder of mocks holding only the Toss fake, on a port of its own, so tests run side by side.
fn toss_mocks(dir: &Path) -> (PathBuf, u16) {
    let port = free_port();
    let mocks = dir.join("mocks");
    std::fs::create_dir_all(&mocks).unwrap();
    let toml = std::fs::read_to_string("mocks/toss.toml").unwrap().replace("port = 18101", &format!("port = {port}"));
    std::fs::write(mocks.join("toss.toml"), toml).unwrap();
    (mocks, port)
}

/// Starts `tests/targets/<name>.py` against a Toss fake at `toss_port`, with `bugs` on.
fn start(name: &str, toss_port: u16, bugs: &[&str]) -> ForeignTarget {
    let secret = "test_sk_paydrill_toss_4f2a9c";
    let mut args = vec![
        format!("tests/targets/{name}.py"),
        "--port".into(),
        "0".into(),
        "--toss-url".into(),
        format!("http://127.0.0.1:{toss_port}"),
        "--toss-secret".into(),
        secret.into(),
    ];
    for bug in bugs {
        args.extend(["--bug".to_string(), bug.to_string()]);
    }
    let mut child = Command::new("python3").args(&args).stdout(Stdio::piped()).spawn().expect("python3 runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url =
        line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{name} did not start: {line}")).to_string();
    ForeignTarget { child, url }
}

/// One run of every shipped scenario against `name` (with `bugs`); the exit code and summary.json.
fn drill(name: &str, bugs: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let work = tempfile::tempdir().unwrap();
    let (mocks, toss_port) = toss_mocks(work.path());
    let target = start(name, toss_port, bugs);
    let reports = work.path().join("reports");
    let profile = format!("scenarios/profiles/{name}.toml");
    let out = paydrill(&[
        "run",
        "--target",
        &target.url,
        "--profile",
        &profile,
        "--mocks",
        mocks.to_str().unwrap(),
        "--out",
        reports.to_str().unwrap(),
    ]);
    let summary = std::fs::read_to_string(reports.join("latest").join("summary.json")).unwrap_or_default();
    let json = serde_json::from_str(&summary).unwrap_or(serde_json::Value::Null);
    (out.status.code(), json, text(&out))
}

fn invariant<'a>(json: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    json["invariants"].as_array().and_then(|a| a.iter().find(|i| i["id"] == id)).unwrap_or(&serde_json::Value::Null)
}

/// A clean foreign target passes every shipped scenario, with every invariant checked; it
/// takes no PG webhooks, so WEBHOOK_STORM is not exercised there and `webhook-once` says so.
fn assert_clean(name: &str) {
    let (code, json, printed) = drill(name, &[]);
    assert_eq!(code, Some(0), "{name} clean: {printed}");
    assert_eq!(json["cells"]["failed"], 0, "{printed}");
    let webhook_cells = json["cells"]["not_exercised"].as_u64().unwrap_or(0);
    assert!(printed.contains("| WEBHOOK_STORM |"), "{printed}");
    assert_eq!(
        json["cells"]["passed"].as_u64().unwrap() + webhook_cells,
        json["cells"]["total"].as_u64().unwrap(),
        "every shipped scenario but the webhook one runs on {name}: {printed}"
    );
    for inv in json["invariants"].as_array().unwrap() {
        let state = inv["state"].as_str().unwrap();
        let checked = inv["checked"].as_u64().unwrap();
        match state {
            "held" => assert!(checked > 0, "{name}: {} held on nothing: {inv}", inv["id"]),
            "not_observable" => assert!(inv["why"].as_str().is_some_and(|w| !w.is_empty()), "{inv}"),
            "not_exercised" if inv["id"] == "webhook-once" => {
                assert!(inv["why"].as_str().is_some_and(|w| w.contains("webhook")), "{inv}")
            }
            other => panic!("{name}: {} is {other} on a clean platform: {inv}\n{printed}", inv["id"]),
        }
    }
}

/// Runs `name` with `bug` on and checks one of `fitting` is violated.
fn assert_caught(name: &str, bug: &str, fitting: &[&str]) {
    let (code, json, printed) = drill(name, &[bug]);
    assert_eq!(code, Some(1), "{name} --bug {bug}: {printed}");
    let violated: Vec<&str> =
        fitting.iter().copied().filter(|id| invariant(&json, id)["state"] == "violated").collect();
    assert!(!violated.is_empty(), "{name} --bug {bug} must violate one of {fitting:?}: {printed}");
}

#[test]
fn shopapi_clean_passes_every_shipped_scenario_with_every_invariant_checked() {
    assert_clean("shopapi");
}

#[test]
fn asyncpay_clean_passes_every_shipped_scenario_with_every_invariant_checked() {
    assert_clean("asyncpay");
}

#[test]
fn shopapi_bugs_are_caught() {
    for (bug, fitting) in [
        ("racy-purchase", &["unique-order"][..]),
        ("racy-refund", &["non-negative-balance", "platform-matches-pg"][..]),
        ("replay-other", &["identical-replay"][..]),
        ("skip-gateway-refund", &["platform-matches-pg", "settlement-balances"][..]),
        ("ack-unstored", &["no-lost-ack"][..]),
    ] {
        assert_caught("shopapi", bug, fitting);
    }
}

#[test]
fn asyncpay_bugs_are_caught() {
    for (bug, fitting) in [
        ("ack-before-store", &["no-lost-ack"][..]),
        ("no-idempotency", &["unique-order"][..]),
        ("double-refund", &["platform-matches-pg", "settlement-balances"][..]),
        ("lost-refund", &["platform-matches-pg", "settlement-balances"][..]),
        ("racy-refund", &["non-negative-balance", "platform-matches-pg"][..]),
    ] {
        assert_caught("asyncpay", bug, fitting);
    }
}

#[test]
fn the_probe_prints_what_each_pointer_read_and_names_a_wrong_one_with_its_line() {
    let work = tempfile::tempdir().unwrap();
    let (mocks, toss_port) = toss_mocks(work.path());
    let mocks = mocks.to_str().unwrap();
    let target = start("shopapi", toss_port, &[]);
    let probe = |profile: &str| paydrill(&["check", "--profile", profile, "--target", &target.url, "--mocks", mocks]);
    let good = probe("scenarios/profiles/shopapi.toml");
    let printed = text(&good);
    assert_eq!(good.status.code(), Some(0), "{printed}");
    assert!(printed.contains("status         /data/state"), "{printed}");
    assert!(printed.contains("= PAID → APPROVED"), "{printed}");
    let wrong = work.path().join("wrong.toml");
    let profile = std::fs::read_to_string("scenarios/profiles/shopapi.toml").unwrap();
    std::fs::write(&wrong, profile.replace("status = \"/data/state\"", "status = \"/data/status\"")).unwrap();
    let bad = probe(wrong.to_str().unwrap());
    let printed = text(&bad);
    assert_eq!(bad.status.code(), Some(1), "{printed}");
    let line = profile.lines().position(|l| l.starts_with("status = ")).unwrap() + 1;
    assert!(printed.contains(&format!("wrong.toml:{line}: status = /data/status found nothing")), "{printed}");
}

#[test]
fn a_sample_merchant_server_with_one_route_runs_what_it_can_and_says_what_it_cannot() {
    let (code, json, printed) = drill("tosssample", &[]);
    let cells = &json["cells"];
    assert!(cells["not_supported"].as_u64().unwrap() >= 10, "scenarios needing cancel or read are n/s: {printed}");
    let list = cells["list"].as_array().unwrap();
    let duplicate = list.iter().find(|c| c["scenario"] == "DUPLICATE_CLICK").unwrap();
    assert_ne!(duplicate["result"], "not_supported", "paydrill mints the orders, so create + approve run: {printed}");
    for id in ["platform-matches-pg", "no-lost-ack"] {
        let inv = invariant(&json, id);
        assert_eq!(inv["state"], "not_observable", "{id}: {printed}");
        assert!(inv["why"].as_str().unwrap().contains("PG ledger"), "{inv}");
    }
    assert_eq!(invariant(&json, "single-charge")["state"], "held", "{printed}");
    assert_eq!(invariant(&json, "unique-order")["state"], "held", "minted orders: one per key: {printed}");
    // The sample passes Toss's refusal of a second confirm straight to the second click.
    assert_eq!(code, Some(1), "{printed}");
    assert!(printed.contains("expected approve accepted; saw HTTP 400 ALREADY_PROCESSED_PAYMENT"), "{printed}");
}

//! Proof that each checker catches the bug it exists for: `paydrill run` against the reference
//! platform with one defect switched on exits 1 and names the defect's invariant and a scenario
//! that caught it; the correct platform under random PG faults raises no alarm.

use std::process::{Command, Output};

fn paydrill(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_paydrill")).args(args).env("CI", "1").output().expect("paydrill runs")
}

/// Where a violation must point: a cell of this scenario, or (for a whole-run invariant) each
/// of the PGs the run drove.
#[derive(Clone, Copy)]
enum Shows {
    Scenario(&'static str),
    EveryPg,
}

/// Each defect, the invariant it must trip, where the violation must point, and the run that
/// shows it (beyond `--pg toss --pg nicepay`). The README's table says the same. Races get a
/// few repetitions: a race is a chance, not a certainty, on a loaded machine.
const DEFECTS: [(&str, &str, Shows, &[&str]); 11] = [
    ("no-idempotency", "unique-order", Shows::Scenario("DUPLICATE_CLICK"), &[]),
    ("racy-create", "unique-order", Shows::Scenario("DUPLICATE_CLICK"), &["--repeat", "3"]),
    ("racy-cancel", "non-negative-balance", Shows::Scenario("CONCURRENT_PARTIAL_CANCEL"), &["--repeat", "3"]),
    // Toss's and NICEPAY's webhooks tell the platform of the approval before the retry; KCP
    // sends none, so the retry charges again there.
    ("double-charge-on-retry", "single-charge", Shows::Scenario("APPROVE_TIMEOUT_RETRY"), &["--pg", "kcp"]),
    // Every fourth order is lost: four FULL_FLOW orders per PG lose at least one.
    ("ack-before-commit", "no-lost-ack", Shows::Scenario("FULL_FLOW"), &["--scenario", "FULL_FLOW", "--repeat", "4"]),
    ("stale-replay", "identical-replay", Shows::Scenario("DUPLICATE_CLICK"), &[]),
    ("wrong-cancel-sign", "settlement-balances", Shows::EveryPg, &["--scenario", "PARTIAL_CANCEL"]),
    ("skip-pg-cancel", "platform-matches-pg", Shows::Scenario("FULL_FLOW"), &[]),
    ("webhook-double-apply", "webhook-once", Shows::Scenario("WEBHOOK_STORM"), &["--scenario", "WEBHOOK_STORM"]),
    // KCP sends no webhook, so nothing but an inquiry could tell the platform what became of
    // the payment.
    (
        "no-inquiry",
        "converges-within",
        Shows::Scenario("APPROVE_TIMEOUT_RETRY"),
        &["--pg", "kcp", "--scenario", "APPROVE_TIMEOUT_RETRY"],
    ),
    (
        "cancel-lost",
        "converges-within",
        Shows::Scenario("CANCEL_TIMEOUT_RESOLVED"),
        &["--pg", "kcp", "--scenario", "CANCEL_TIMEOUT_RESOLVED"],
    ),
];

fn run_with_defect(defect: &str, extra: &[&str]) -> (Option<i32>, String) {
    let reports = tempfile::tempdir().unwrap();
    // A defect may keep an order from ever converging: a short deadline keeps the run short.
    let mut args = vec![
        "run",
        "--pg",
        "toss",
        "--pg",
        "nicepay",
        "--converge-within",
        "3s",
        "--no-shrink",
        "--defect",
        defect,
        "--out",
    ];
    args.push(reports.path().to_str().unwrap());
    args.extend(extra);
    let out = paydrill(&args);
    let summary = std::fs::read_to_string(reports.path().join("latest").join("summary.md")).unwrap_or_default();
    (out.status.code(), summary)
}

/// The correct platform with `extra`: exit code and summary.
fn run_with_defect_free(extra: &[&str]) -> (Option<i32>, String) {
    let reports = tempfile::tempdir().unwrap();
    let mut args = vec!["run", "--out", reports.path().to_str().unwrap()];
    args.extend(extra);
    let out = paydrill(&args);
    let summary = std::fs::read_to_string(reports.path().join("latest").join("summary.md")).unwrap_or_default();
    (out.status.code(), summary)
}

fn assert_caught(defect: &str) {
    let (_, invariant, shows, extra) = DEFECTS.iter().find(|d| d.0 == defect).copied().unwrap();
    let (code, summary) = run_with_defect(defect, extra);
    assert_eq!(code, Some(1), "{defect}: {summary}");
    assert!(
        summary.contains(&format!("| `{invariant}` | violated |")),
        "{defect} must violate {invariant}:\n{summary}"
    );
    let lines: Vec<&str> = summary.lines().filter(|l| l.contains(&format!(". {invariant} ["))).collect();
    assert!(!lines.is_empty(), "{defect}: no {invariant} line:\n{summary}");
    match shows {
        Shows::Scenario(scenario) => assert!(
            lines.iter().any(|l| l.contains(&format!("[{scenario}/"))),
            "{defect}: {invariant} should be caught in a cell of {scenario}:\n{summary}"
        ),
        Shows::EveryPg => {
            for pg in ["toss", "nicepay"] {
                assert!(
                    lines.iter().any(|l| l.contains(&format!("{invariant} [{pg}]"))),
                    "{defect}: {invariant} should name {pg}:\n{summary}"
                );
            }
        }
    }
    for line in lines {
        assert!(
            line.contains("expected") && line.contains("saw"),
            "{defect}: a violation says what was expected and seen: {line}"
        );
    }
}

#[test]
fn no_idempotency_is_caught_by_unique_order() {
    assert_caught("no-idempotency");
}

#[test]
fn racy_create_is_caught_by_unique_order() {
    assert_caught("racy-create");
}

#[test]
fn racy_cancel_is_caught_by_non_negative_balance() {
    assert_caught("racy-cancel");
}

#[test]
fn double_charge_on_retry_is_caught_by_single_charge() {
    assert_caught("double-charge-on-retry");
}

#[test]
fn ack_before_commit_is_caught_by_no_lost_ack() {
    assert_caught("ack-before-commit");
}

#[test]
fn stale_replay_is_caught_by_identical_replay() {
    assert_caught("stale-replay");
}

#[test]
fn wrong_cancel_sign_is_caught_by_settlement_balances() {
    assert_caught("wrong-cancel-sign");
}

#[test]
fn skip_pg_cancel_is_caught_by_platform_matches_pg() {
    assert_caught("skip-pg-cancel");
}

#[test]
fn webhook_double_apply_is_caught_by_webhook_once() {
    assert_caught("webhook-double-apply");
}

#[test]
fn no_inquiry_is_caught_by_converges_within() {
    assert_caught("no-inquiry");
}

#[test]
fn cancel_lost_is_caught_by_converges_within() {
    assert_caught("cancel-lost");
}

#[test]
fn the_correct_platform_converges_after_every_unknown_outcome_of_the_faulted_scenarios() {
    let scenarios = "APPROVE_TIMEOUT_RETRY,CANCEL_TIMEOUT_RESOLVED";
    let (code, summary) = run_with_defect_free(&["--scenario", scenarios, "--pg", "toss,kcp", "--repeat", "3"]);
    assert_eq!(code, Some(0), "{summary}");
    assert!(summary.contains("| `converges-within` | held |"), "{summary}");
    let section = summary.split("## Convergence after unknown outcomes").nth(1).expect("a convergence section");
    let rows: Vec<Vec<&str>> = section
        .lines()
        .skip_while(|l| !l.starts_with("|---"))
        .skip(1)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    assert_eq!(rows.iter().map(|r| r[1]).collect::<Vec<_>>(), ["toss", "kcp"], "{section}");
    for r in rows {
        assert!(r[2].parse::<u32>().unwrap() >= 3, "each repeat had an unknown outcome: {r:?}");
        assert_eq!(r[2], r[3], "every unknown outcome converged: {r:?}");
        assert!(r[4].parse::<u64>().is_ok() && r[5].parse::<u64>().is_ok(), "p50 and p99 in ms: {r:?}");
    }
}

#[test]
fn the_correct_platform_raises_no_alarm_under_random_pg_faults() {
    let reports = tempfile::tempdir().unwrap();
    let out = paydrill(&[
        "run",
        "--repeat",
        "3",
        "--pg-timeout-rate",
        "0.05",
        "--pg-error-rate",
        "0.05",
        "--out",
        reports.path().to_str().unwrap(),
    ]);
    let summary = std::fs::read_to_string(reports.path().join("latest").join("summary.md")).unwrap_or_default();
    assert_eq!(out.status.code(), Some(0), "{summary}");
    assert!(summary.contains("PASSED"));
    let history = std::fs::read_to_string(reports.path().join("latest").join("history.jsonl")).unwrap();
    assert!(history.contains("FAILED_INTERNAL_SYSTEM_PROCESSING"), "faults were really injected");
}

#[test]
fn an_unknown_defect_is_a_usage_error() {
    let out = paydrill(&["run", "--defect", "slow-db"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown defect `slow-db`"));
}

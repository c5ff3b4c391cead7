//! The fakes judged from outside: published PG client SDKs, unchanged but for their base URL,
//! driven against each fake on both servers (the drivers in `tests/sdk/` report op by op), and
//! every PortOne V2 answer in the shipped scenarios validated against PortOne's pinned OpenAPI
//! document, and a failing run's `junit.xml` against the JUnit schema CI systems read. The SDKs
//! and validators come from `.ci/install-sdks`; without them a test says it was skipped.

use paydrill::fakes::{FakeFleet, ServerKind};
use paydrill::pg::PgName;
use paydrill::spec::MockConfig;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One published SDK and the driver that runs it.
struct Sdk {
    /// The package as its registry names it.
    package: &'static str,
    node: bool,
    driver: &'static str,
    pg: PgName,
    /// The ops the driver must report, each passed.
    ops: &'static [&'static str],
}

/// What a confirm-style SDK is driven through (Toss says `unknown_key` for a confirm of a key
/// no customer got, PortOne V2 `unknown_token`).
const TOSS_OPS: [&str; 9] = [
    "changed_amount",
    "confirm",
    "get",
    "partial_cancel",
    "over_cancel",
    "full_cancel",
    "wrong_secret",
    "unknown_payment",
    "unknown_key",
];
const PORTONE_OPS: [&str; 9] = [
    "changed_amount",
    "confirm",
    "get",
    "partial_cancel",
    "over_cancel",
    "full_cancel",
    "wrong_secret",
    "unknown_payment",
    "unknown_token",
];
/// PortOne V1 has no confirm: the customer's payment is verified, then cancelled.
const IAMPORT_OPS: [&str; 8] = [
    "verify",
    "by_merchant_uid",
    "partial_cancel",
    "over_cancel",
    "checksum_mismatch",
    "full_cancel",
    "wrong_secret",
    "unknown_payment",
];
/// iamporter sends no checksum: its refusal is driven by a cancel of nothing instead.
const IAMPORTER_OPS: [&str; 8] = [
    "verify",
    "by_merchant_uid",
    "partial_cancel",
    "over_cancel",
    "invalid_amount",
    "full_cancel",
    "wrong_secret",
    "unknown_payment",
];

const PORTONE_PY: Sdk =
    Sdk { package: "portone-server-sdk", node: false, driver: "portone_v2.py", pg: PgName::Portone, ops: &PORTONE_OPS };
const PORTONE_JS: Sdk = Sdk {
    package: "@portone/server-sdk",
    node: true,
    driver: "portone_v2.cjs",
    pg: PgName::Portone,
    ops: &PORTONE_OPS,
};
const TOSS_PY: Sdk = Sdk {
    package: "tosspayments-python-server-sdk",
    node: false,
    driver: "toss_server_sdk.py",
    pg: PgName::Toss,
    ops: &TOSS_OPS,
};
const TOSS_TP: Sdk = Sdk {
    package: "python-tosspayments",
    node: false,
    driver: "toss_tosspayments.py",
    pg: PgName::Toss,
    ops: &TOSS_OPS,
};
const TOSS_JS: Sdk = Sdk {
    package: "toss-payments-server-api",
    node: true,
    driver: "toss_nestia.cjs",
    pg: PgName::Toss,
    ops: &TOSS_OPS,
};
const IAMPORT_PY: Sdk = Sdk {
    package: "iamport-rest-client",
    node: false,
    driver: "iamport_rest_client.py",
    pg: PgName::Iamport,
    ops: &IAMPORT_OPS,
};
const IAMPORTER_PY: Sdk =
    Sdk { package: "iamporter", node: false, driver: "iamporter_py.py", pg: PgName::Iamport, ops: &IAMPORTER_OPS };
const IAMPORT_JS: Sdk = Sdk {
    package: "iamport-rest-client-nodejs",
    node: true,
    driver: "iamport_nodejs.cjs",
    pg: PgName::Iamport,
    ops: &IAMPORT_OPS,
};

fn cache() -> PathBuf {
    std::env::var_os("PAYDRILL_SDK_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/sdk"))
}

fn drivers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk")
}

fn python() -> PathBuf {
    cache().join("venv/bin/python")
}

fn node_modules() -> PathBuf {
    cache().join("npm/node_modules")
}

/// The installed version of `sdk`, or why it cannot run. Under `PAYDRILL_REQUIRE_SDKS=1`
/// (set by `.ci/run` once the install worked) a missing SDK fails the test instead.
fn installed(sdk: &Sdk) -> Option<String> {
    let version = if sdk.node {
        let manifest = node_modules().join(sdk.package).join("package.json");
        std::fs::read_to_string(&manifest)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|v| v["version"].as_str().map(str::to_string))
    } else {
        let script = format!("import importlib.metadata as m; print(m.version('{}'))", sdk.package);
        Command::new(python())
            .args(["-c", &script])
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    if version.is_none() {
        let why = format!("{} is not installed in {} (run .ci/install-sdks)", sdk.package, cache().display());
        assert!(std::env::var("PAYDRILL_REQUIRE_SDKS").as_deref() != Ok("1"), "{why}");
        eprintln!("SKIPPED: {why}");
    }
    version
}

/// Runs `sdk`'s driver against `pg`'s fake on `kind`: the ops it reported, with pass and detail.
async fn drive(sdk: &Sdk, kind: ServerKind) -> Vec<(String, bool, String)> {
    let fleet = FakeFleet::start(vec![MockConfig::embedded_for(sdk.pg)], kind, false).await.expect("fake starts");
    let endpoint = fleet.endpoint(sdk.pg).expect("the fake runs");
    let (base, secret) = (endpoint.base_url.clone(), endpoint.credentials().secret.clone());
    let mut command = if sdk.node {
        let mut c = Command::new("node");
        c.env("NODE_PATH", node_modules());
        c
    } else {
        Command::new(python())
    };
    // The merchant id goes along for the clients that log in with it (I'mport's imp_key).
    let merchant = endpoint.credentials().merchant_id.clone();
    command.current_dir(drivers()).arg(sdk.driver).arg(&base).arg(&secret).arg(&merchant);
    let out = tokio::task::spawn_blocking(move || command.output()).await.unwrap().expect("the driver runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let results: Vec<(String, bool, String)> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT "))
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            let op = parts.next().unwrap_or_default().to_string();
            let pass = parts.next() == Some("PASS");
            (op, pass, parts.next().unwrap_or_default().to_string())
        })
        .collect();
    assert!(!results.is_empty(), "{} reported nothing:\n{stdout}\n{stderr}", sdk.driver);
    results
}

/// Every op of `sdk` passes on both servers.
async fn accepts(sdk: Sdk) {
    let Some(version) = installed(&sdk) else { return };
    for kind in [ServerKind::Lean, ServerKind::Wiremock] {
        let results = drive(&sdk, kind).await;
        let passed = results.iter().filter(|(_, pass, _)| *pass).count();
        let report: Vec<String> = results
            .iter()
            .map(|(op, pass, d)| format!("  {} {op}: {d}", if *pass { "ok  " } else { "FAIL" }))
            .collect();
        let report = report.join("\n");
        println!("{} {version} on {kind:?}: {passed}/{} ops passed\n{report}", sdk.package, sdk.ops.len());
        let ops: Vec<&str> = results.iter().map(|(op, _, _)| op.as_str()).collect();
        assert_eq!(ops, sdk.ops, "{} on {kind:?} reported other ops than expected", sdk.package);
        assert_eq!(passed, sdk.ops.len(), "{} {version} on {kind:?}:\n{report}", sdk.package);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn portone_v2_python_sdk_accepts_the_portone_fake() {
    accepts(PORTONE_PY).await
}

#[tokio::test(flavor = "multi_thread")]
async fn portone_v2_node_sdk_accepts_the_portone_fake() {
    accepts(PORTONE_JS).await
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_python_server_sdk_accepts_the_toss_fake() {
    accepts(TOSS_PY).await
}

#[tokio::test(flavor = "multi_thread")]
async fn python_tosspayments_accepts_the_toss_fake() {
    accepts(TOSS_TP).await
}

#[tokio::test(flavor = "multi_thread")]
async fn toss_node_server_api_accepts_the_toss_fake() {
    accepts(TOSS_JS).await
}

#[tokio::test(flavor = "multi_thread")]
async fn iamport_rest_client_accepts_the_portone_v1_fake() {
    accepts(IAMPORT_PY).await
}

#[tokio::test(flavor = "multi_thread")]
async fn iamporter_accepts_the_portone_v1_fake() {
    accepts(IAMPORTER_PY).await
}

#[tokio::test(flavor = "multi_thread")]
async fn iamport_nodejs_client_accepts_the_portone_v1_fake() {
    accepts(IAMPORT_JS).await
}

/// Every answer the PortOne fake gave in a direct run of the shipped scenarios, as the
/// validator reads them: `{method, path, status, body}` per line.
fn portone_answers(history: &str) -> String {
    let mut lines = Vec::new();
    for event in history.lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()) {
        for x in event["exchanges"].as_array().into_iter().flatten() {
            let Some(status) = x["status"].as_u64() else { continue };
            let url = url::Url::parse(x["url"].as_str().unwrap_or_default()).expect("an exchange's URL");
            let answer = serde_json::json!({
                "method": x["method"], "path": url.path(), "status": status, "body": x["response_body"],
            });
            lines.push(answer.to_string());
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn portone_answers_in_the_shipped_scenarios_match_the_published_openapi_document() {
    let validator =
        Sdk { package: "jsonschema", node: false, driver: "validate_portone.py", pg: PgName::Portone, ops: &[] };
    if installed(&validator).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_paydrill"))
        .env("PAYDRILL_NO_SHRINK", "true")
        .args(["run", "--direct", "--pg", "portone", "--out"])
        .arg(dir.path())
        .env("CI", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let history = std::fs::read_to_string(dir.path().join("latest/history.jsonl")).unwrap();
    let answers = dir.path().join("portone-answers.jsonl");
    std::fs::write(&answers, portone_answers(&history)).unwrap();
    let document = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/portone/v2.openapi.json");
    let checked = Command::new(python())
        .arg(drivers().join(validator.driver))
        .arg(&document)
        .arg(&answers)
        .output()
        .expect("the validator runs");
    let report = String::from_utf8_lossy(&checked.stdout);
    println!("{report}{}", String::from_utf8_lossy(&checked.stderr));
    assert!(checked.status.success(), "answers that break PortOne's OpenAPI document:\n{report}");
    // The shipped scenarios reach every op and the error answers, not just a happy path.
    for op in ["confirmPayment 200", "getPayment 200", "cancelPayment 200", "cancelPayment 409", "cancelPayment 502"] {
        assert!(report.contains(&format!("VALID {op} ")), "no `{op}` answer was validated:\n{report}");
    }
}

#[test]
fn junit_of_a_failing_run_is_valid_against_the_published_schema_with_consistent_counts() {
    let validator = Sdk { package: "xmlschema", node: false, driver: "validate_junit.py", pg: PgName::Toss, ops: &[] };
    if installed(&validator).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_paydrill"))
        .env("PAYDRILL_NO_SHRINK", "true")
        .args([
            "run",
            "--defect",
            "skip-pg-cancel",
            "--repeat",
            "2",
            "--pg",
            "toss",
            "--pg",
            "kcp",
            "--converge-within",
            "2s",
        ])
        .arg("--out")
        .arg(dir.path())
        .env("CI", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let junit = dir.path().join("latest/junit.xml");
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit/junit-10.xsd");
    let checked =
        Command::new(python()).arg(drivers().join(validator.driver)).arg(&schema).arg(&junit).output().unwrap();
    let report = String::from_utf8_lossy(&checked.stdout);
    println!("{report}{}", String::from_utf8_lossy(&checked.stderr));
    assert!(checked.status.success(), "junit.xml problems:\n{report}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("name=\"FULL_FLOW[toss]#1\"") && xml.contains("type=\"platform-matches-pg\""), "{xml}");
}

/// The CI examples, validated offline against the schemas GitHub and GitLab publish (vendored
/// in PyPI `check-jsonschema`), and each runs the paydrill it builds and publishes its reports.
#[test]
fn ci_examples_are_valid_against_github_and_gitlab_schemas() {
    let validator = Sdk { package: "check-jsonschema", node: false, driver: "", pg: PgName::Toss, ops: &[] };
    if installed(&validator).is_none() {
        return;
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci");
    let tool = cache().join("venv/bin/check-jsonschema");
    for (file, schema) in [("github-actions.yml", "vendor.github-workflows"), ("gitlab-ci.yml", "vendor.gitlab-ci")] {
        let checked = Command::new(&tool).args(["--builtin-schema", schema]).arg(examples.join(file)).output().unwrap();
        let said = format!("{}{}", String::from_utf8_lossy(&checked.stdout), String::from_utf8_lossy(&checked.stderr));
        assert!(checked.status.success(), "{file} against {schema}:\n{said}");
        let text = std::fs::read_to_string(examples.join(file)).unwrap();
        for needed in ["cargo build --release", "./target/release/paydrill run", "junit.xml", "summary.md", "reports/"]
        {
            assert!(text.contains(needed), "{file} does not {needed}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn portone_v2_python_sdk_verifies_the_fakes_webhooks() {
    let Some(version) = installed(&PORTONE_PY) else { return };
    for kind in [ServerKind::Lean, ServerKind::Wiremock] {
        let fleet =
            FakeFleet::start(vec![MockConfig::embedded_for(PgName::Portone)], kind, false).await.expect("fake starts");
        let endpoint = fleet.endpoint(PgName::Portone).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        endpoint.fake.webhooks().set_url(Some(format!("http://127.0.0.1:{port}/portone")));
        let mut command = Command::new(python());
        command.current_dir(drivers()).arg("portone_webhook.py").arg(&endpoint.base_url);
        command.arg(&endpoint.credentials().secret).arg(&endpoint.fake.config().webhooks.secret).arg(port.to_string());
        let out = tokio::task::spawn_blocking(move || command.output()).await.unwrap().expect("the driver runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        println!("portone-server-sdk {version} webhook.verify on {kind:?}:\n{stdout}");
        let results: Vec<&str> = stdout.lines().filter(|l| l.starts_with("RESULT ")).collect();
        assert_eq!(results.len(), 3, "{stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(results.iter().all(|l| l.contains(" PASS ")), "{stdout}");
    }
}

//! paydrill under hostile input, as a user meets it: values that used to panic or wrap are
//! refused with the file and line, a run that schedules nothing cannot pass, no credential is
//! written anywhere (whatever its value), and a run folder is marked until it is whole.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
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

/// Checks one file and returns the exit code and what was printed.
fn check_file(dir: &Path, name: &str, body: &str) -> (Option<i32>, String) {
    let file = dir.join(name);
    std::fs::write(&file, body).unwrap();
    let out = paydrill(&["check", file.to_str().unwrap()]);
    (out.status.code(), text(&out))
}

const SCENARIO_HEAD: &str = "name = \"X\"\n[[steps]]\nop = \"create_order\"\n";

#[test]
fn values_that_panicked_or_wrapped_are_refused_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "slow.toml",
            format!("{SCENARIO_HEAD}amount = 1000\n[[steps]]\nop = \"approve\"\nfault = {{ slow = \"100000000000000000000000000000s\" }}\n"),
            "slow.toml:7",
            "at most 7 days",
        ),
        (
            "wrap.toml",
            "name = \"X\"\n[[steps]]\nop = \"create_order\"\namount = 9223372036854775807\n".to_string(),
            "wrap.toml:4",
            "from 1 to 10000000000",
        ),
        (
            "times.toml",
            format!("{SCENARIO_HEAD}amount = 1000\n[[steps]]\nop = \"approve\"\nfault = {{ error = true, times = -1 }}\n"),
            "times.toml:7",
            "fault.times = -1: must be 1 to 1000",
        ),
    ];
    for (name, body, place, words) in cases {
        let (code, printed) = check_file(dir.path(), name, &body);
        assert_eq!(code, Some(2), "{name}: {printed}");
        assert!(printed.contains(place) && printed.contains(words), "{name}: {printed}");
        assert!(!printed.contains("panicked") && !printed.contains("untagged"), "{name}: {printed}");
    }
    let toss = std::fs::read_to_string("mocks/toss.toml").unwrap();
    for (name, body, words) in [
        ("port0.toml", toss.replace("port = 18101", "port = 0"), "port = 0"),
        (
            "delay.toml",
            toss.lines()
                .filter(|l| !l.starts_with("timeout_delay"))
                .collect::<Vec<_>>()
                .join("\n")
                .replace("[faults]", "[faults]\ntimeout_delay = \"99999999999999999999999h\""),
            "at most 7 days",
        ),
    ] {
        let (code, printed) = check_file(dir.path(), name, &body);
        assert_eq!(code, Some(2), "{name}: {printed}");
        assert!(printed.contains(&format!("{name}:")) && printed.contains(words), "{name}: {printed}");
    }
}

#[test]
fn flags_that_panicked_or_scheduled_nothing_are_refused() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().to_str().unwrap();
    for args in [
        vec!["load", "--duration", "0s", "--warmup", "0s", "--out", out],
        vec!["load", "--rate", "1/h", "--duration", "10s", "--out", out],
        vec!["load", "--duration", "100000000000000000000000s", "--out", out],
        vec!["run", "--pg-timeout", "99999999999999h", "--out", out],
    ] {
        let got = paydrill(&args);
        assert_eq!(got.status.code(), Some(2), "{args:?}: {}", text(&got));
        assert!(!text(&got).contains("PASSED") && !text(&got).contains("panicked"), "{args:?}: {}", text(&got));
    }
    assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 0, "a refused run leaves no folder");
}

#[test]
fn a_run_that_fails_early_leaves_no_folder_and_a_whole_run_no_marker() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().to_str().unwrap();
    let refused = paydrill(&[
        "run",
        "--target",
        &format!("http://127.0.0.1:{}", free_port()),
        "--profile",
        "scenarios/profiles/reference.toml",
        "--out",
        out,
    ]);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 0, "an unreachable target leaves no folder");
    let whole = paydrill(&["run", "--pg", "toss", "--scenario", "FULL_FLOW", "--out", out]);
    assert_eq!(whole.status.code(), Some(0), "{}", text(&whole));
    let latest = out_dir.path().join("latest");
    assert!(latest.join("summary.md").is_file() && !latest.join("INCOMPLETE").exists());
}

/// A foreign-configured platform (`serve --no-fakes`) holding its own KCP key, which paydrill
/// never saw, and a profile sending a token from the environment: neither may be written
/// anywhere paydrill writes, nor printed.
#[test]
fn planted_credentials_appear_in_no_file_and_no_output() {
    const PLATFORM_KEY: &str = "PLANTED-platform-kcp-key-5c1e";
    const ENV_TOKEN: &str = "PLANTED-env-token-77aa";
    let work = tempfile::tempdir().unwrap();
    let (platform_mocks, fake_mocks) = (work.path().join("platform-mocks"), work.path().join("fake-mocks"));
    std::fs::create_dir_all(&platform_mocks).unwrap();
    std::fs::create_dir_all(&fake_mocks).unwrap();
    let kcp = std::fs::read_to_string("mocks/kcp.toml").unwrap();
    let port = free_port();
    let kcp = kcp.lines().map(|l| if l.starts_with("port = ") { format!("port = {port}") } else { l.into() });
    let kcp: String = kcp.collect::<Vec<_>>().join("\n");
    let secret_line = kcp.lines().find(|l| l.starts_with("secret = ")).unwrap().to_string();
    std::fs::write(fake_mocks.join("kcp.toml"), &kcp).unwrap();
    std::fs::write(platform_mocks.join("kcp.toml"), kcp.replace(&secret_line, &format!("secret = \"{PLATFORM_KEY}\"")))
        .unwrap();
    let profile = std::fs::read_to_string("scenarios/profiles/reference.toml").unwrap().replacen(
        "headers = { \"Idempotency-Key\" = \"{idempotency_key}\" }",
        "headers = { \"Idempotency-Key\" = \"{idempotency_key}\", \"Authorization\" = \"Bearer {env:PAYDRILL_PLANTED}\" }",
        1,
    );
    let profile_file = work.path().join("profile.toml");
    std::fs::write(&profile_file, profile).unwrap();

    let platform_port = free_port();
    let serve = Command::new(env!("CARGO_BIN_EXE_paydrill"))
        .env("PAYDRILL_NO_SHRINK", "true")
        .args(["serve", "--no-fakes", "--port", &platform_port.to_string(), "--mocks"])
        .arg(&platform_mocks)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut serve = Served(serve);
    let mut serve_out = BufReader::new(serve.0.stdout.take().unwrap());
    let mut serve_err = serve.0.stderr.take().unwrap();
    let mut served = String::new();
    serve_out.read_line(&mut served).unwrap();
    assert!(served.contains("paydrill serve"), "serve started: {served}");

    let reports = work.path().join("reports");
    let out = Command::new(env!("CARGO_BIN_EXE_paydrill"))
        .env("PAYDRILL_NO_SHRINK", "true")
        .args(["run", "--target", &format!("http://127.0.0.1:{platform_port}"), "--profile"])
        .arg(&profile_file)
        .arg("--mocks")
        .arg(&fake_mocks)
        .args(["--scenario", "FULL_FLOW", "--scenario", "PARTIAL_CANCEL", "--out"])
        .arg(&reports)
        .env("PAYDRILL_PLANTED", ENV_TOKEN)
        .output()
        .unwrap();
    let printed = text(&out);
    // The platform's key is not the fake's: KCP refuses it, and the run says so.
    assert_eq!(out.status.code(), Some(1), "{printed}");
    let mut files = 0;
    let mut stack = vec![reports.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_symlink() {
                continue;
            } else if path.is_dir() {
                stack.push(path);
            } else {
                files += 1;
                let body = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).to_string();
                for planted in [PLATFORM_KEY, ENV_TOKEN] {
                    assert!(!body.contains(planted), "{} holds {planted}", path.display());
                }
            }
        }
    }
    assert!(files >= 5, "the run wrote its reports ({files} files)");
    let history = std::fs::read_to_string(reports.join("latest/history.jsonl")).unwrap();
    assert!(history.contains("kcp_cert_info") && history.contains("***"), "the masked field is still there, masked");
    let _ = serve.0.kill();
    let _ = serve.0.wait();
    serve_out.read_to_string(&mut served).unwrap();
    serve_err.read_to_string(&mut served).unwrap();
    for planted in [PLATFORM_KEY, ENV_TOKEN] {
        assert!(!printed.contains(planted) && !served.contains(planted), "{planted} printed");
    }
}

/// `serve`, stopped when the test ends however it ends.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `kill -9` in the middle of a run: its folder stays marked INCOMPLETE, `latest` does not point
/// at it, and the next run sweeps the platform database folder the killed one left behind.
#[test]
fn a_killed_run_is_marked_incomplete_and_its_database_folder_swept_by_the_next() {
    let work = tempfile::tempdir().unwrap();
    let (reports, tmp) = (work.path().join("reports"), work.path().join("tmp"));
    std::fs::create_dir_all(&tmp).unwrap();
    let start = |repeat: &str| {
        Command::new(env!("CARGO_BIN_EXE_paydrill"))
            .env("PAYDRILL_NO_SHRINK", "true")
            .args(["run", "--pg", "toss", "--repeat", repeat, "--concurrency", "1", "--out"])
            .arg(&reports)
            .env("TMPDIR", &tmp)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut killed = Served(start("200"));
    let pid = killed.0.id();
    let history_started = || {
        std::fs::read_dir(&reports)
            .ok()
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.path().join(".history.jsonl.tmp").exists())
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !history_started() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = killed.0.kill(); // SIGKILL: no destructor runs
    let _ = killed.0.wait();
    let run_dir = std::fs::read_dir(&reports).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir()).unwrap();
    assert!(run_dir.join("INCOMPLETE").is_file(), "{} is marked", run_dir.display());
    assert!(!reports.join("latest").exists(), "latest points at no cut-off run");
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().map(|e| e.file_name()).collect();
    let mine = format!("paydrill-platform-{pid}-");
    assert!(left.iter().any(|n| n.to_string_lossy().starts_with(&mine)), "the killed run left {mine}*: {left:?}");

    let next = start("1").wait_with_output().unwrap();
    assert_eq!(next.status.code(), Some(0));
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(!left.iter().any(|n| n.to_string_lossy().starts_with(&mine)), "swept: {left:?}");
    let latest = std::fs::read_link(reports.join("latest")).unwrap();
    assert!(!reports.join(&latest).join("INCOMPLETE").exists() && reports.join(&latest) != run_dir);
}

/// The four files `check` used to call "ok", which then failed the run blaming the platform.
#[test]
fn check_refuses_the_four_files_it_used_to_pass() {
    let dir = tempfile::tempdir().unwrap();
    let reference = std::fs::read_to_string("scenarios/profiles/reference.toml").unwrap();
    let keyed = "headers = { \"Idempotency-Key\" = \"{idempotency_key}\" }";
    let pointer = reference.lines().find(|l| l.starts_with("order_id = ")).unwrap();
    let toss = std::fs::read_to_string("mocks/toss.toml").unwrap();
    for (name, body, words) in [
        ("pointer.toml", reference.replace(pointer, "order_id = \"order_id\""), "must start with `/`"),
        (
            "crlf.toml",
            reference.replacen(keyed, "headers = { \"X-Note\" = \"a\\r\\nInjected: yes\" }", 1),
            "control character",
        ),
        ("name.toml", reference.replacen(keyed, "headers = { \"Bad Name:\" = \"x\" }", 1), "not an HTTP token"),
        ("port.toml", toss.replace("port = 18101", "port = 0"), "1 to 65535"),
    ] {
        let (code, printed) = check_file(dir.path(), name, &body);
        assert_eq!(code, Some(2), "{name}: {printed}");
        assert!(printed.contains(&format!("{name}:")) && printed.contains(words), "{name}: {printed}");
    }
}

/// Flags come from the environment as CI sets them, and goose flags that fight an open
/// arrival rate are refused naming what to use.
#[test]
fn flags_from_the_environment_and_goose_flags_refused_in_words() {
    let out_dir = tempfile::tempdir().unwrap();
    let got = Command::new(env!("CARGO_BIN_EXE_paydrill"))
        .env("PAYDRILL_NO_SHRINK", "true")
        .args(["load", "--duration", "1s", "--warmup", "0s", "--pg", "toss", "--out"])
        .arg(out_dir.path())
        .env("PAYDRILL_RATE", "0.5/min")
        .output()
        .unwrap();
    // 0.5 orders a minute for 1 s schedules none: the rate came from PAYDRILL_RATE.
    assert_eq!(got.status.code(), Some(2), "{}", text(&got));
    assert!(text(&got).contains("--rate 0.5/min"), "{}", text(&got));
    for (flag, value, instead) in [("--run-time", "10s", "--duration"), ("--iterations", "5", "--rate × --duration")] {
        let got = paydrill(&["load", flag, value, "--out", out_dir.path().to_str().unwrap()]);
        assert_eq!(got.status.code(), Some(2), "{flag}: {}", text(&got));
        assert!(text(&got).contains(flag) && text(&got).contains(instead), "{flag}: {}", text(&got));
    }
}

/// A run in which nothing had a fact to check cannot pass: every cell not supported here.
#[test]
fn a_run_that_checks_nothing_does_not_pass() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().to_str().unwrap();
    let got = paydrill(&["run", "--direct", "--scenario", "MISSING_IDEMPOTENCY_KEY", "--out", out]);
    assert_eq!(got.status.code(), Some(1), "{}", text(&got));
    assert!(text(&got).contains("NOTHING CHECKED") && !text(&got).contains("PASSED"), "{}", text(&got));
    let summary = std::fs::read_to_string(out_dir.path().join("latest/summary.json")).unwrap();
    assert!(summary.contains("\"nothing_checked\""), "{summary}");
    assert!(!summary.contains("\"held\""), "no invariant held on nothing: {summary}");
}

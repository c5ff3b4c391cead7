//! The starvation soak: the faulted matrix on the embedded platform while N busy loops starve
//! the machine's cores, counting runs that fail on a correct platform (false alarms). Not run
//! by default (it takes minutes); run it with
//!
//! ```sh
//! PAYDRILL_SOAK_RUNS=20 PAYDRILL_SOAK_BUSY=4 cargo test --release --test soak -- --ignored --nocapture
//! ```
//!
//! `PAYDRILL_SOAK_ARGS="--direct"` adds flags to every run (here: the PGs themselves).

use std::process::{Child, Command, Stdio};

fn env_or(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Busy loops, stopped when dropped.
struct Busy(Vec<Child>);

impl Drop for Busy {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
#[ignore = "minutes long: run it by hand (see the module doc)"]
fn a_correct_platform_raises_no_alarm_under_starvation_and_random_faults() {
    let (runs, busy) = (env_or("PAYDRILL_SOAK_RUNS", 20), env_or("PAYDRILL_SOAK_BUSY", 4));
    let _busy = Busy(
        (0..busy).map(|_| Command::new("sh").args(["-c", "while :; do :; done"]).spawn().expect("sh runs")).collect(),
    );
    let out = tempfile::tempdir().unwrap();
    let mut alarms = Vec::new();
    for i in 1..=runs {
        let got = Command::new(env!("CARGO_BIN_EXE_paydrill"))
            .args(["run", "--repeat", "5", "--pg-timeout-rate", "0.05", "--pg-error-rate", "0.05", "--out"])
            .arg(out.path())
            .args(std::env::var("PAYDRILL_SOAK_ARGS").unwrap_or_default().split_whitespace())
            .stderr(Stdio::null())
            .output()
            .expect("paydrill runs");
        let printed = String::from_utf8_lossy(&got.stdout).to_string();
        let verdict = printed.lines().find(|l| l.starts_with("# paydrill run")).unwrap_or("").to_string();
        println!("soak run {i}/{runs} under {busy} busy loops: {verdict}");
        if got.status.code() != Some(0) {
            let violations: Vec<&str> = printed.lines().filter(|l| l.starts_with(char::is_numeric)).collect();
            alarms.push(format!("run {i}: {verdict}\n{}", violations.join("\n")));
        }
    }
    println!("{} of {runs} runs raised a false alarm", alarms.len());
    assert!(alarms.is_empty(), "false alarms on a correct platform:\n{}", alarms.join("\n\n"));
}

//! Ctrl-C (SIGINT) and SIGTERM sent to real `run`, `load` and `serve` processes: each stops,
//! writes its reports marked partial, never says PASSED, exits 130 or 143, and leaves no
//! temporary folder behind.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn send(child: &Child, signal: &str) {
    let ok = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(ok.success(), "kill {signal}");
}

/// Starts paydrill with `args`, its temp folder `tmp`; waits for a stderr line holding `ready`.
fn start(args: &[&str], tmp: &Path, ready: &str) -> (Proc, std::sync::mpsc::Receiver<String>) {
    let mut proc = Proc(
        Command::new(env!("CARGO_BIN_EXE_paydrill"))
            .args(args)
            .env("TMPDIR", tmp)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let (tx, rx) = std::sync::mpsc::channel();
    for stream in [
        Box::new(proc.0.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(proc.0.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) if line.contains(ready) => {
                seen.push(line);
                let _ = tx.send(seen.join("\n"));
                return (proc, rx);
            }
            Ok(line) => seen.push(line),
            Err(_) => {}
        }
    }
    panic!("paydrill {args:?} never printed {ready:?}: {}", seen.join("\n"));
}

/// Waits for the process to end; its exit code and everything it printed.
fn finish(mut proc: Proc, rx: std::sync::mpsc::Receiver<String>) -> (Option<i32>, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let code = loop {
        if let Some(status) = proc.0.try_wait().unwrap() {
            break status.code();
        }
        assert!(Instant::now() < deadline, "paydrill did not stop within 60 s of the signal");
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_millis(100));
    (code, rx.try_iter().collect::<Vec<_>>().join("\n"))
}

fn leftovers(tmp: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(tmp).unwrap().flatten().map(|e| e.path()).collect()
}

fn the_run_dir(reports: &Path) -> PathBuf {
    std::fs::read_dir(reports).unwrap().flatten().map(|e| e.path()).find(|p| p.is_dir() && !p.is_symlink()).unwrap()
}

fn stopped_run(signal: &str, code: i32) {
    let work = tempfile::tempdir().unwrap();
    let (tmp, reports) = (work.path().join("tmp"), work.path().join("reports"));
    std::fs::create_dir_all(&tmp).unwrap();
    let args = ["run", "--pg", "toss", "--repeat", "300", "--concurrency", "2", "--out", reports.to_str().unwrap()];
    let (proc, rx) = start(&args, &tmp, "done");
    send(&proc.0, signal);
    let (got, printed) = finish(proc, rx);
    assert_eq!(got, Some(code), "run after {signal}: {printed}");
    assert!(!printed.contains("PASSED") && printed.contains("INTERRUPTED"), "{printed}");
    let dir = the_run_dir(&reports);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["partial"], true, "{summary}");
    assert!(!dir.join("INCOMPLETE").exists() && dir.join("history.jsonl").is_file());
    assert_eq!(leftovers(&tmp), Vec::<PathBuf>::new(), "temporary folders left");
}

#[test]
fn ctrl_c_on_run_writes_partial_reports_and_exits_130() {
    stopped_run("-INT", 130);
}

#[test]
fn sigterm_on_run_writes_partial_reports_and_exits_143() {
    stopped_run("-TERM", 143);
}

fn stopped_load(signal: &str, code: i32) {
    let work = tempfile::tempdir().unwrap();
    let (tmp, reports) = (work.path().join("tmp"), work.path().join("reports"));
    std::fs::create_dir_all(&tmp).unwrap();
    let args = [
        "load",
        "--rate",
        "1200/min",
        "--duration",
        "60s",
        "--warmup",
        "0s",
        "--pg",
        "toss",
        "--out",
        reports.to_str().unwrap(),
    ];
    let (proc, rx) = start(&args, &tmp, "orders/min for");
    std::thread::sleep(Duration::from_secs(3));
    send(&proc.0, signal);
    let (got, printed) = finish(proc, rx);
    assert_eq!(got, Some(code), "load after {signal}: {printed}");
    assert!(!printed.contains("PASSED"), "{printed}");
    let dir = the_run_dir(&reports);
    let summary = std::fs::read_to_string(dir.join("summary.md")).unwrap();
    assert!(summary.contains("INTERRUPTED") && !summary.contains("PASSED"), "{summary}");
    assert!(!dir.join("INCOMPLETE").exists());
    assert_eq!(leftovers(&tmp), Vec::<PathBuf>::new(), "temporary folders left");
}

#[test]
fn ctrl_c_on_load_writes_partial_reports_and_exits_130() {
    stopped_load("-INT", 130);
}

#[test]
fn sigterm_on_load_writes_partial_reports_and_exits_143() {
    stopped_load("-TERM", 143);
}

fn stopped_serve(signal: &str, code: i32) {
    let work = tempfile::tempdir().unwrap();
    let tmp = work.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let port = free_port().to_string();
    let (proc, rx) = start(&["serve", "--no-fakes", "--port", &port], &tmp, "database");
    assert_eq!(leftovers(&tmp).len(), 1, "serve keeps its database in one temporary folder");
    send(&proc.0, signal);
    let (got, printed) = finish(proc, rx);
    assert_eq!(got, Some(code), "serve after {signal}: {printed}");
    assert_eq!(leftovers(&tmp), Vec::<PathBuf>::new(), "temporary folders left");
}

#[test]
fn ctrl_c_on_serve_exits_130_and_removes_its_database_folder() {
    stopped_serve("-INT", 130);
}

#[test]
fn sigterm_on_serve_exits_143_and_removes_its_database_folder() {
    stopped_serve("-TERM", 143);
}

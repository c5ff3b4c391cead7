//! `paydrill reconcile` as the settlement team runs it: the reference platform under `paydrill
//! serve` takes a run's orders, its own settlement export is fetched over HTTP, and it is held
//! against the PG fakes' settlement reports the run kept. A clean export passes; each kind of
//! mismatch, injected one at a time, is found and only it; a bad file is a usage error naming the
//! line; the fakes' reports are also read live from a (foreign, Python) server at a mock's port.

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

const PROFILE: &str = "scenarios/profiles/reference.toml";

/// Kills the child when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for(port: u16) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("nothing listens on {port}");
}

/// A plain HTTP GET on loopback (the test needs nothing more).
fn get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.push_str(&tail[..n]);
            rest = &tail[n + 2..];
        }
        return out;
    }
    body.to_string()
}

/// The export's rows as (header, records).
fn rows(csv_text: &str) -> (String, Vec<Vec<String>>) {
    let mut lines = csv_text.lines();
    let header = lines.next().unwrap().to_string();
    (header, lines.map(|l| l.split(',').map(str::to_string).collect()).collect())
}

fn join(header: &str, records: &[Vec<String>]) -> String {
    let mut out = format!("{header}\n");
    for r in records {
        out.push_str(&r.join(","));
        out.push('\n');
    }
    out
}

/// The mismatch kinds `reconcile.csv` lists, one per row.
fn kinds(out: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(out.join("reconcile.csv")).unwrap();
    text.lines().skip(1).map(|l| l.split(',').next().unwrap().to_string()).collect()
}

fn reconcile(export: &Path, reports: &Path, out: &Path) -> Output {
    paydrill(&[
        "reconcile",
        export.to_str().unwrap(),
        "--profile",
        PROFILE,
        "--pg-reports",
        reports.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
}

#[test]
fn the_reference_platforms_export_reconciles_and_every_injected_mismatch_is_found() {
    let work = tempfile::tempdir().unwrap();
    let port = free_port();
    let _serve = Child(
        Command::new(env!("CARGO_BIN_EXE_paydrill"))
            .env("PAYDRILL_NO_SHRINK", "true")
            .args(["serve", "--no-fakes", "--port", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for(port);
    let runs = work.path().join("runs");
    let run = paydrill(&[
        "run",
        "--target",
        &format!("http://127.0.0.1:{port}"),
        "--profile",
        PROFILE,
        "--scenario",
        "FULL_FLOW,PARTIAL_CANCEL,ONLY_CREATE_APPROVE",
        "--pg",
        "toss,kcp",
        "--out",
        runs.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let reports: PathBuf = runs.join("latest/pg-settlements");
    assert!(reports.join("toss.csv").is_file() && reports.join("kcp.csv").is_file(), "the run kept the fakes' reports");
    let clean = get(port, "/settlements/export.csv");
    let export = work.path().join("export.csv");
    std::fs::write(&export, &clean).unwrap();

    let out = work.path().join("clean");
    let done = reconcile(&export, &reports, &out);
    let said = text(&done);
    assert_eq!(done.status.code(), Some(0), "{said}");
    assert!(said.contains("reconcile: CLEAN"), "{said}");
    let (header, records) = rows(&clean);
    assert!(said.contains(&format!("{} movement(s) found on both sides", records.len())), "{said}");
    assert_eq!(kinds(&out), Vec::<String>::new());

    let col = |name: &str| header.split(',').position(|h| h == name).unwrap();
    let (kind, amount, fee, status, tx) =
        (col("type"), col("amount"), col("fee"), col("status"), col("pg_transaction_id"));
    let first_approval = records.iter().position(|r| r[kind] == "APPROVAL").unwrap();
    let first_cancel = records.iter().position(|r| r[kind] == "PARTIAL_CANCEL").unwrap();
    type Doctor = Box<dyn Fn(&mut Vec<Vec<String>>)>;
    let cases: Vec<(&str, Doctor)> = vec![
        ("missing_at_platform", Box::new(move |r| drop(r.remove(first_cancel)))),
        (
            "missing_at_pg",
            Box::new(move |r| {
                let mut extra = r[first_approval].clone();
                extra[tx] = "tx_nobody_settled".into();
                extra[2] = "ord_phantom".into();
                r.push(extra);
            }),
        ),
        ("amount_differs", Box::new(move |r| r[first_approval][amount] = "9990".into())),
        ("status_differs", Box::new(move |r| r[first_approval][status] = "FAILED".into())),
        ("fee_differs", Box::new(move |r| r[first_cancel][fee] = "0".into())),
    ];
    for (want, doctor) in cases {
        let mut doctored = records.clone();
        doctor(&mut doctored);
        let file = work.path().join(format!("{want}.csv"));
        std::fs::write(&file, join(&header, &doctored)).unwrap();
        let out = work.path().join(want);
        let done = reconcile(&file, &reports, &out);
        let said = text(&done);
        assert_eq!(done.status.code(), Some(1), "{want}: {said}");
        assert_eq!(kinds(&out), vec![want.to_string()], "{want}: exactly it is found\n{said}");
        assert!(said.contains(&format!("| {want} | 1 |")), "{want}: {said}");
    }

    // A bad amount names the file and the line; a missing column names the column.
    let mut bad = records.clone();
    bad[1][amount] = "ten".into();
    std::fs::write(work.path().join("bad.csv"), join(&header, &bad)).unwrap();
    let done = reconcile(&work.path().join("bad.csv"), &reports, &work.path().join("bad"));
    assert_eq!(done.status.code(), Some(2), "{}", text(&done));
    assert!(text(&done).contains("bad.csv:3: amount = `ten`"), "{}", text(&done));
    std::fs::write(work.path().join("cols.csv"), clean.replacen("pg_transaction_id", "tx", 1)).unwrap();
    let done = reconcile(&work.path().join("cols.csv"), &reports, &work.path().join("cols"));
    assert_eq!(done.status.code(), Some(2), "{}", text(&done));
    assert!(text(&done).contains("cols.csv:1: no `pg_transaction_id` column"), "{}", text(&done));
}

#[test]
fn from_fakes_reads_each_fakes_report_at_its_mock_port_and_an_absent_fake_is_unreachable() {
    let work = tempfile::tempdir().unwrap();
    let port = free_port();
    // One mock file, its fake at a free port: a Python server stands in for it.
    let mocks = work.path().join("mocks");
    std::fs::create_dir_all(&mocks).unwrap();
    let toss = std::fs::read_to_string("mocks/toss.toml").unwrap().replace("port = 18101", &format!("port = {port}"));
    std::fs::write(mocks.join("toss.toml"), toss).unwrap();
    let report = "mId,paymentKey,transactionKey,orderId,method,amount,interestFee,fee,supplyAmount,vat,payOutAmount,approvedAt,soldDate,paidOutDate,cancelAmount\n\
                  m,pk1,tx1,ord_1,카드,10000,0,300,9091,909,9700,2026-12-02T10:00:00+09:00,2026-12-02,2026-12-04,\n\
                  m,pk1,tx2,ord_1,카드,-3000,0,-90,-2727,-273,-2910,2026-12-02T10:00:00+09:00,2026-12-02,2026-12-04,3000\n";
    let site = work.path().join("site/__paydrill");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("settlements.csv"), report).unwrap();
    let export = work.path().join("export.csv");
    std::fs::write(
        &export,
        "settlement_date,pg,order_id,pg_payment_key,pg_transaction_id,type,amount,fee,status\n\
         2026-12-02,toss,ord_1,pk1,tx1,APPROVAL,10000,300,PARTIAL_CANCELED\n\
         2026-12-02,toss,ord_1,pk1,tx2,PARTIAL_CANCEL,-3000,-90,PARTIAL_CANCELED\n",
    )
    .unwrap();
    let args = |out: &str| {
        let out = work.path().join(out);
        vec![
            "reconcile".to_string(),
            export.display().to_string(),
            "--profile".into(),
            PROFILE.into(),
            "--from-fakes".into(),
            "--mocks".into(),
            mocks.display().to_string(),
            "--out".into(),
            out.display().to_string(),
        ]
    };
    let absent = Command::new(env!("CARGO_BIN_EXE_paydrill"))
        .env("PAYDRILL_NO_SHRINK", "true")
        .args(args("absent"))
        .output()
        .unwrap();
    assert_eq!(absent.status.code(), Some(3), "{}", text(&absent));
    assert!(text(&absent).contains("is it running?"), "{}", text(&absent));

    let _fake = Child(
        Command::new("python3")
            .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1", "--directory"])
            .arg(work.path().join("site"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 runs"),
    );
    wait_for(port);
    let done = Command::new(env!("CARGO_BIN_EXE_paydrill"))
        .env("PAYDRILL_NO_SHRINK", "true")
        .args(args("live"))
        .output()
        .unwrap();
    assert_eq!(done.status.code(), Some(0), "{}", text(&done));
    assert!(text(&done).contains("2 movement(s) found on both sides"), "{}", text(&done));
    assert!(text(&done).contains("| toss | 2026-12-02 | 2 | 7000 | 210 | 2 | 7000 | 210 | 0 |"), "{}", text(&done));
}

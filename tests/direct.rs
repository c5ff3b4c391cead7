//! `paydrill run --direct`: the scenarios straight at every PG through paydrill's own PG
//! clients — the side-by-side table, a PG that misreports its balance, and no secret in any
//! file the run writes.

use std::path::Path;
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

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() && !path.is_symlink() {
            out.extend(files_under(&path));
        } else if path.is_file() {
            out.push(path);
        }
    }
    out
}

#[test]
fn direct_mode_passes_on_every_pg_and_shows_them_side_by_side() {
    let reports = tempfile::tempdir().unwrap();
    let out = paydrill(&["run", "--direct", "--out", reports.path().to_str().unwrap()]);
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(0), "{printed}");
    assert!(printed.contains("## Side by side"), "{printed}");
    let side = &printed[printed.find("## Side by side").unwrap()..];
    let row = side.lines().find(|l| l.starts_with("| PARTIAL_CANCEL |")).expect("a side-by-side row");
    let pgs = paydrill::pg::PgName::ALL.len();
    assert_eq!(row.matches("CANCELED 0").count(), pgs, "every PG ends PARTIAL_CANCEL cancelled: {row}");
    assert!(printed.contains("| `pgs-agree` | held |"), "{printed}");
}

#[test]
fn a_pg_that_misreports_its_balance_is_flagged() {
    let work = tempfile::tempdir().unwrap();
    let mocks = work.path().join("mocks");
    std::fs::create_dir_all(&mocks).unwrap();
    for entry in std::fs::read_dir("mocks").unwrap().flatten() {
        let mut text = std::fs::read_to_string(entry.path()).unwrap();
        if entry.file_name() == "kcp.toml" {
            text.push_str("\n[quirks]\ncancel_balance_offset = 1000\n");
        }
        std::fs::write(mocks.join(entry.file_name()), text).unwrap();
    }
    let reports = work.path().join("reports");
    let out = paydrill(&[
        "run",
        "--direct",
        "--scenario",
        "PARTIAL_CANCEL",
        "--mocks",
        mocks.to_str().unwrap(),
        "--out",
        reports.to_str().unwrap(),
    ]);
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(1), "{printed}");
    let flagged: Vec<_> = printed.lines().filter(|l| l.contains("pgs-agree [")).collect();
    assert!(!flagged.is_empty(), "{printed}");
    assert!(flagged.iter().all(|l| l.contains("/kcp#")), "only kcp disagrees: {flagged:?}");
    let side = &printed[printed.find("## Side by side").unwrap()..];
    let row = side.lines().find(|l| l.starts_with("| PARTIAL_CANCEL |")).expect("a side-by-side row");
    assert_eq!(row.matches('⚠').count(), 1, "kcp is marked: {row}");
}

#[test]
fn no_configured_secret_appears_in_the_reports() {
    let reports = tempfile::tempdir().unwrap();
    for args in [vec!["run", "--direct"], vec!["run"]] {
        let mut args = args.clone();
        args.extend(["--out", reports.path().to_str().unwrap()]);
        let out = paydrill(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let secrets: Vec<String> =
        paydrill::spec::MockConfig::embedded().into_iter().map(|m| m.credentials.secret).collect();
    let files = files_under(reports.path());
    assert!(files.len() >= 12, "{files:?}");
    for file in files {
        let content = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).to_string();
        for secret in &secrets {
            assert!(!content.contains(secret.as_str()), "{} contains a secret", file.display());
        }
    }
}

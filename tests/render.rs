//! The report pages as a reader's browser shows them: headless Chromium loads a load run's and
//! a failing run's `report.html` from disk, offline, and the page must draw its charts (or its
//! matrix) with no console error and nothing fetched from the network. Skipped, saying so,
//! where Chromium is not installed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        Command::new("which")
            .arg(name)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim().to_string()))
    })
}

/// The page's DOM after Chromium rendered it, and what Chromium logged.
fn render(browser: &Path, page: &Path) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    (String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
}

fn paydrill(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_paydrill")).args(args).env("CI", "1").output().expect("paydrill runs")
}

fn assert_offline_and_clean(page: &Path, dom: &str, log: &str) {
    let html = std::fs::read_to_string(page).unwrap();
    for external in ["src=\"http", "href=\"http", "url(http", "<script src"] {
        assert!(!html.contains(external), "{} fetches from the network ({external})", page.display());
    }
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE") || l.contains("Uncaught")).collect();
    assert!(console.is_empty(), "console errors rendering {}:\n{}", page.display(), console.join("\n"));
    assert!(dom.contains("</body>"), "Chromium rendered nothing: {log}");
}

#[test]
fn the_load_and_run_pages_render_their_charts_offline_with_no_console_error() {
    let Some(browser) = chromium() else {
        eprintln!("SKIPPED: no Chromium on this machine (apt install chromium) to render the report pages");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let loads = dir.path().join("load");
    let load = paydrill(&[
        "load",
        "--rate",
        "600/min",
        "--duration",
        "4s",
        "--warmup",
        "0s",
        "--pg",
        "toss",
        "--out",
        loads.to_str().unwrap(),
    ]);
    assert_eq!(load.status.code(), Some(0), "{}", String::from_utf8_lossy(&load.stderr));
    let page = loads.join("latest/report.html");
    let (dom, log) = render(&browser, &page);
    assert_offline_and_clean(&page, &dom, &log);
    assert!(dom.matches("<svg class=\"chart\"").count() >= 3, "the load page draws its charts: {dom}");
    assert!(dom.contains("<polyline") && dom.contains("PASSED"), "{dom}");
    assert!(
        std::fs::read_dir(loads.join("latest")).unwrap().flatten().all(|e| !e
            .file_name()
            .to_string_lossy()
            .ends_with(".html")
            || e.file_name() == "report.html"),
        "no other page (goose's is blank offline)"
    );

    let runs = dir.path().join("run");
    let run = paydrill(&[
        "run",
        "--defect",
        "skip-pg-cancel",
        "--shrink-time",
        "10s",
        "--repeat",
        "2",
        "--pg",
        "toss",
        "--pg",
        "kcp",
        "--out",
        runs.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    let page = runs.join("latest/report.html");
    let (dom, log) = render(&browser, &page);
    assert_offline_and_clean(&page, &dom, &log);
    assert!(
        dom.contains("platform-matches-pg") && dom.contains("FULL_FLOW"),
        "the failing run's page shows the matrix and the violation"
    );
    // Triage: one card per distinct failure, a filter, and the matrix cell linking to its card.
    let cards = dom.matches("<div class=\"card ").count();
    let violations = summary_violations(&runs.join("latest/summary.json"));
    assert!(cards > 0 && cards < violations, "{cards} cards for {violations} violations");
    assert!(dom.contains("id=\"fi-platform_matches_pg\"") && dom.contains("id=\"fp-toss\""), "the filter");
    assert!(
        dom.contains("href=\"#card-FULL_FLOW-toss\"") && dom.contains("id=\"card-FULL_FLOW-toss\""),
        "cell to card"
    );
}

fn summary_violations(summary: &Path) -> usize {
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(summary).unwrap()).unwrap();
    json["violations"].as_array().map_or(0, Vec::len)
}

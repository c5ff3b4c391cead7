//! Reports: turn a history and its verdict into the files users read — `summary.md`,
//! `junit.xml`, `settlement.csv`, `settlement-summary.csv`, `report.html` — each written to a
//! temporary name and renamed, so a reader never sees half a file. Runs nothing.

mod html;
mod junit;
pub mod load;
mod markdown;

pub use markdown::summary_markdown;

use crate::check::Verdict;
use crate::history::History;
use crate::settlement;
use std::path::{Path, PathBuf};

/// Everything a report needs about the run.
pub struct ReportInput<'a> {
    pub history: &'a History,
    pub verdict: &'a Verdict,
    /// Wall time of the run, seconds.
    pub seconds: f64,
}

/// Writes `contents` to `dir/name` through a temporary file and a rename.
pub fn write_atomic(dir: &Path, name: &str, contents: &[u8]) -> std::io::Result<PathBuf> {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// The settlement CSV and its summary, as text.
pub fn settlement_csvs(history: &History) -> Result<(String, String), csv::Error> {
    let rows = settlement::rows(history);
    let summary = settlement::summary(&rows);
    Ok((
        settlement::to_csv(&rows, &settlement::ROW_HEADER)?,
        settlement::to_csv(&summary, &settlement::SUMMARY_HEADER)?,
    ))
}

/// Writes every report file into `dir`; returns the Markdown summary (also printed).
pub fn write_all(dir: &Path, input: &ReportInput) -> std::io::Result<String> {
    let summary = summary_markdown(input);
    write_atomic(dir, "summary.md", summary.as_bytes())?;
    write_atomic(dir, "junit.xml", junit::junit_xml(input).as_bytes())?;
    let (rows, totals) = settlement_csvs(input.history).map_err(std::io::Error::other)?;
    write_atomic(dir, "settlement.csv", rows.as_bytes())?;
    write_atomic(dir, "settlement-summary.csv", totals.as_bytes())?;
    write_atomic(dir, "report.html", html::report_html(input).as_bytes())?;
    Ok(summary)
}

/// Points `reports/latest` at `run_dir` (a symlink, replaced atomically).
pub fn link_latest(reports: &Path, run_dir: &Path) -> std::io::Result<()> {
    let latest = reports.join("latest");
    let target = run_dir.file_name().map(PathBuf::from).unwrap_or_else(|| run_dir.to_path_buf());
    let tmp = reports.join(".latest.tmp");
    let _ = std::fs::remove_file(&tmp);
    #[cfg(unix)]
    std::os::unix::fs::symlink(&target, &tmp)?;
    #[cfg(not(unix))]
    std::fs::write(&tmp, target.to_string_lossy().as_bytes())?;
    if latest.is_dir() && !latest.is_symlink() {
        std::fs::remove_dir_all(&latest)?;
    }
    std::fs::rename(&tmp, &latest)
}

/// Escapes text for XML and HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => {}
            c => out.push(c),
        }
    }
    out
}

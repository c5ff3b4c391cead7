//! Reports: plain summary values in, the files users read out — [`run`] for a run's matrix,
//! [`load`] for a load test's figures and [`reconcile`] for a settlement reconciliation. Every file is written to a temporary name and
//! renamed, so a reader never sees half a file. Runs nothing.

mod convergence;
pub mod load;
pub mod probe;
pub mod reconcile;
pub mod run;
mod svg;
mod tables;

use std::path::{Path, PathBuf};

/// Writes `contents` to `dir/name` through a temporary file and a rename.
pub fn write_atomic(dir: &Path, name: &str, contents: &[u8]) -> std::io::Result<PathBuf> {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// The marker a run folder holds until every report in it is written. A folder that still has
/// it was cut off (a kill, a crash): its files are not to be trusted, and `latest` never points
/// at it.
pub const INCOMPLETE: &str = "INCOMPLETE";

/// Creates a run's folder, marked [`INCOMPLETE`] until [`complete_run_dir`].
pub fn create_run_dir(run_dir: &Path, started_at: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(run_dir)?;
    let why = format!(
        "paydrill (pid {}) started this run at {started_at} and had not finished writing its reports.\n\
         If no paydrill is running it now, it was stopped before the end: do not trust the files here.\n",
        std::process::id()
    );
    std::fs::write(run_dir.join(INCOMPLETE), why)
}

/// Marks a run's folder whole (removes [`INCOMPLETE`]) and points `reports/latest` at it.
pub fn complete_run_dir(reports: &Path, run_dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(run_dir.join(INCOMPLETE)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    link_latest(reports, run_dir)
}

/// Points `reports/latest` at `run_dir` (a symlink, replaced atomically).
fn link_latest(reports: &Path, run_dir: &Path) -> std::io::Result<()> {
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

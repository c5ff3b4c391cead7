//! Reports: plain summary values in, the files users read out — [`run`] for a run's matrix
//! and [`load`] for a load test's figures. Every file is written to a temporary name and
//! renamed, so a reader never sees half a file. Runs nothing.

pub mod load;
pub mod probe;
pub mod run;
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
